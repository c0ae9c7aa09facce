# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
from dataclasses import dataclass
from decimal import Decimal

from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import MembershipError, MembershipUnitError, PriceError
from .period import age_at, period_containing
from .pricing import MemberFacts, Step, evaluate_price, proration_fraction

OPEN_END = datetime.date(9999, 12, 31)


def shown_date():
    """Return the date of the context or today: the date prices and ages
    are shown for and membership events are recorded on"""
    return Transaction().context.get('date') or Pool().get('ir.date').today()


@dataclass(frozen=True)
class PriceLine:
    "What one product of a membership costs for one period"
    product: object
    period_start: datetime.date
    period_end: datetime.date
    amount: Decimal
    steps: tuple


class WithdrawalReason(DeactivableMixin, ModelSQL, ModelView):
    "Withdrawal Reason"
    __name__ = 'kontingent.withdrawal_reason'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'kontingent.msg_withdrawal_reason_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class Membership(Workflow, ModelSQL, ModelView):
    "Membership"
    __name__ = 'kontingent.membership'
    _history = True

    party = fields.Many2One(
        'party.party', "Member", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            },
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    payer = fields.Many2One(
        'party.party', "Payer", ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Leave empty when the member pays.")
    unit = fields.Many2One(
        'kontingent.unit', "Unit", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            })
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    product = fields.Many2One(
        'product.product', "Membership Type", required=True,
        ondelete='RESTRICT',
        domain=[
            ('kontingent_kind', '=', 'membership'),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            },
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    addons = fields.One2Many(
        'kontingent.membership.addon', 'membership', "Add-ons",
        states={
            'readonly': Eval('state') == 'ended',
            })
    start_date = fields.Date(
        "Start Date", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            })
    end_date = fields.Date(
        "End Date",
        domain=[
            If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        states={
            'readonly': Eval('state') == 'ended',
            },
        help="The last day of the membership.")
    withdrawal_reason = fields.Many2One(
        'kontingent.withdrawal_reason', "Withdrawal Reason",
        ondelete='RESTRICT',
        states={
            'invisible': Eval('state') != 'ended',
            'readonly': True,
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('suspended', "Suspended"),
            ('ended', "Ended"),
            ], "State", required=True, readonly=True, sort=False)
    events = fields.One2Many(
        'kontingent.membership.event', 'membership', "History",
        readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    price = fields.Function(
        fields.Numeric(
            "Price", digits=(16, Eval('currency_digits', 2))),
        'get_price')
    currency_digits = fields.Function(
        fields.Integer("Currency Digits"), 'on_change_with_currency_digits')
    price_trace = fields.Function(
        fields.Text("Price Explanation"), 'get_price')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'suspended'),
            ('suspended', 'active'),
            ('active', 'ended'),
            ('suspended', 'ended'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': ~Eval('state').in_(['draft', 'suspended']),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'suspend': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'end': {
                    'invisible': ~Eval('state').in_(['active', 'suspended']),
                    'icon': 'tryton-delete',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_unit(cls):
        return Transaction().context.get('kontingent_unit')

    @fields.depends('party', 'unit', 'payer',
        '_parent_party.member_unit', '_parent_party.member_payer')
    def on_change_party(self):
        if self.party:
            if not self.unit and self.party.member_unit:
                self.unit = self.party.member_unit
            if not self.payer:
                self.payer = self.party.member_payer

    @fields.depends('unit')
    def on_change_with_company(self, name=None):
        return self.unit.company if self.unit else None

    @classmethod
    def search_company(cls, name, clause):
        return [('unit.' + clause[0],) + tuple(clause[1:])]

    @fields.depends('unit')
    def on_change_with_currency(self, name=None):
        return self.unit.company.currency if self.unit else None

    @fields.depends('unit')
    def on_change_with_currency_digits(self, name=None):
        return self.unit.company.currency.digits if self.unit else 2

    def get_rec_name(self, name):
        return f'{self.party.rec_name} - {self.product.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('party.rec_name',) + tuple(clause[1:]),
            ('product.rec_name',) + tuple(clause[1:]),
            ]

    def is_active_on(self, date):
        return (self.start_date <= date
            and (not self.end_date or date <= self.end_date))

    @classmethod
    def get_price(cls, memberships, names):
        date = shown_date()
        result = {name: {} for name in names}
        for membership in memberships:
            price, trace = membership.price_and_explanation(date)
            if 'price' in names:
                result['price'][membership.id] = price
            if 'price_trace' in names:
                result['price_trace'][membership.id] = trace
        return result

    def price_and_explanation(self, date):
        """Return the price for the periods holding date, None when there is
        none or it can not be computed, and the text that says why"""
        try:
            lines = self.get_price_lines(date)
        except PriceError as exception:
            # Lists of memberships must still show; the text says why
            return None, exception.message
        price = sum(line.amount for line in lines) if lines else None
        return price, self.explain_price(lines)

    def get_price_lines(self, date, memo=None):
        """Return the PriceLine of each product billed for the periods
        holding date: the membership type, the add-ons active then and the
        entry fee of a new member

        memo, a dict, keeps the rules read for one membership for the next
        ones: a billing run prices thousands with the same rules.
        """
        if not self.is_active_on(date):
            return []
        if memo is None:
            memo = {}
        # List prices are company values: read them as the unit's company
        if Transaction().context.get('company') == self.unit.company.id:
            return self._price_lines(date, memo)
        with Transaction().set_context(company=self.unit.company.id):
            return self.__class__(self.id)._price_lines(date, memo)

    def _price_lines(self, date, memo):
        lines = [self._price_line(self.product, date, self.start_date, memo)]
        lines += [
            self._price_line(
                addon.product, date,
                max(addon.start_date or self.start_date, self.start_date),
                memo)
            for addon in self.addons if addon.is_active_on(date)]
        entry_fee = self._entry_fee_line(lines[0])
        if entry_fee:
            lines.append(entry_fee)
        return lines

    def _member_facts(self, product, date):
        party = self.party
        location = party.member_location
        locations = set()
        while location:
            locations.add(location.id)
            location = location.parent
        return MemberFacts(
            product=product.id,
            age=(age_at(party.birth_date, date)
                if party.birth_date else None),
            employment_status=(
                party.employment_status.id
                if party.employment_status else None),
            locations=frozenset(locations),
            join_date=party.join_date or self.start_date)

    def _price_line(self, product, date, start_date, memo):
        "Return the PriceLine of product for one started on start_date"
        pool = Pool()
        PriceRule = pool.get('kontingent.price.rule')
        ProrationRule = pool.get('kontingent.proration.rule')
        if not product.dues_period:
            raise PriceError(gettext(
                    'kontingent.msg_product_dues_period_missing',
                    product=product.rec_name))
        list_price = self.list_price(product)
        period_start, period_end = period_containing(
            date, product.dues_period)
        if self.party.member_free:
            return PriceLine(
                product, period_start, period_end,
                self.currency.round(Decimal(0)), (Step('member_free'),))
        units = self.unit.lineage
        key = (self.unit.id, product.id)
        if key not in memo:
            memo[key] = (
                PriceRule.specs_for(units, product),
                ProrationRule.specs_for(units, product.dues_period))
        rules, proration_rules = memo[key]
        price = evaluate_price(
            rules, self._member_facts(product, date), list_price)
        steps = list(price.steps)
        fraction, proration = proration_fraction(
            proration_rules, period_start, start_date)
        if proration:
            steps.append(proration)
        amount = self.currency.round(price.amount * fraction)
        return PriceLine(
            product, period_start, period_end, amount, tuple(steps))

    def list_price(self, product):
        "Return the list price of product or raise PriceError"
        if product.list_price_used is None:
            raise PriceError(gettext(
                    'kontingent.msg_product_list_price_missing',
                    product=product.rec_name,
                    company=self.unit.company.rec_name))
        return product.list_price_used

    def _entry_fee_line(self, dues_line):
        """Return the entry fee line if this period starts the membership of
        a new member: not for free members, not for members who joined the
        organisation before this membership, nor for a second membership"""
        entry_fee_product = next(
            (u.entry_fee_product for u in self.unit.lineage
                if u.entry_fee_product), None)
        party = self.party
        if (not entry_fee_product
                or party.member_free
                or not (dues_line.period_start <= self.start_date
                    <= dues_line.period_end)
                or (party.join_date and party.join_date < self.start_date)
                or self.has_earlier_membership()):
            return None
        return PriceLine(
            entry_fee_product, dues_line.period_start, dues_line.period_end,
            self.list_price(entry_fee_product), (Step('entry_fee'),))

    def has_earlier_membership(self):
        "Tell if the member was in the same organisation before this one"
        organisation = self.unit.root
        return bool(self.search([
                    ('party', '=', self.party.id),
                    ('unit', 'child_of', [organisation.id], 'parent'),
                    ('state', '!=', 'draft'),
                    ['OR',
                        ('start_date', '<', self.start_date),
                        [
                            ('start_date', '=', self.start_date),
                            ('id', '<', self.id),
                            ],
                        ],
                    ], limit=1))

    def explain_price(self, lines):
        "Return the price explanation as text, one sentence a line"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        if not lines:
            return gettext('kontingent.msg_trace_not_active')
        text = []
        for line in lines:
            text.append(gettext('kontingent.msg_trace_line',
                    product=line.product.rec_name,
                    start=lang.strftime(line.period_start),
                    end=lang.strftime(line.period_end),
                    amount=lang.currency(line.amount, self.currency)))
            for step in line.steps:
                text.append('    ' + self.format_step(step, lang))
        return '\n'.join(text)

    def format_step(self, step, lang):
        values = {}
        for key, value in step.values.items():
            if isinstance(value, datetime.date):
                value = lang.strftime(value)
            elif isinstance(value, Decimal) and key == 'amount':
                value = lang.currency(value, self.currency)
            elif isinstance(value, Decimal):
                value = lang.format_number(value.normalize(), digits=None)
            values[key] = value
        return gettext(
            f'kontingent.msg_trace_{step.reason}', rule=step.rule, **values)

    @classmethod
    def validate_fields(cls, memberships, field_names):
        super().validate_fields(memberships, field_names)
        if field_names & {'unit', 'product'}:
            for membership in memberships:
                membership.check_product_unit(membership.product)
        if field_names & {'party', 'product', 'start_date', 'end_date'}:
            cls.check_overlap(memberships)

    @classmethod
    def check_overlap(cls, memberships):
        """Refuse two memberships of one type for a member on one day

        One self-join per call: an exclusion constraint would need
        PostgreSQL's btree_gist extension, and Tryton's emulation of it
        nests one clause per record, which SQLite cannot parse in bulk.
        """
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        if backend.name != 'sqlite':
            cls.lock()
        table = cls.__table__()
        other = cls.__table__()
        ids = [m.id for m in memberships]
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.join(other, condition=(
                        (table.party == other.party)
                        & (table.product == other.product)
                        & (table.id != other.id)
                        & (table.start_date
                            <= Coalesce(other.end_date, OPEN_END))
                        & (other.start_date
                            <= Coalesce(table.end_date, OPEN_END)))
                    ).select(table.id, other.id,
                    where=fields.SQL_OPERATORS['in'](table.id, sub_ids),
                    limit=1))
            row = cursor.fetchone()
            if row:
                membership, existing = cls.browse(row)
                raise MembershipError(gettext(
                        'kontingent.msg_membership_overlap'
                        if existing.end_date else
                        'kontingent.msg_membership_overlap_open',
                        membership=membership.rec_name,
                        start=existing.start_date,
                        end=existing.end_date))

    def check_product_unit(self, product):
        "A unit bills its own products and those of the units above it"
        if product.kontingent_unit not in self.unit.lineage:
            raise MembershipUnitError(gettext(
                    'kontingent.msg_membership_product_unit',
                    product=product.rec_name,
                    unit=self.unit.rec_name))

    @classmethod
    def check_modification(
            cls, mode, memberships, values=None, external=False):
        super().check_modification(
            mode, memberships, values=values, external=external)
        if mode == 'delete':
            for membership in memberships:
                if membership.state != 'draft':
                    raise MembershipError(gettext(
                            'kontingent.msg_membership_delete_draft',
                            membership=membership.rec_name))

    @classmethod
    def copy(cls, memberships, default=None):
        "Copies continue the membership the day after it ended, as drafts"
        default = default.copy() if default is not None else {}
        default.setdefault('events')
        default.setdefault('end_date')
        default.setdefault('withdrawal_reason')
        default.setdefault('state', 'draft')
        default.setdefault(
            'start_date', lambda data: (
                data['end_date'] + datetime.timedelta(days=1)
                if data['end_date'] else data['start_date']))
        return super().copy(memberships, default=default)

    @classmethod
    def _log_event(cls, memberships, state, date=None, reason=None):
        pool = Pool()
        Event = pool.get('kontingent.membership.event')
        date = date or shown_date()
        Event.save([
                Event(membership=m, date=date, state=state, reason=reason)
                for m in memberships])

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, memberships):
        pool = Pool()
        Party = pool.get('party.party')
        parties = {}
        for membership in sorted(memberships, key=lambda m: m.start_date):
            party = parties.setdefault(membership.party.id, membership.party)
            if not party.member_unit:
                party.member_unit = membership.unit
            if not party.join_date:
                party.join_date = membership.start_date
        Party.save(list(parties.values()))
        cls._log_event(memberships, 'active')
        cls.bill_activated(memberships)

    @classmethod
    def bill_activated(cls, memberships):
        """Bill the current period of memberships just activated, unless
        the context says they come billed already (imports, the demo)"""
        pool = Pool()
        Run = pool.get('kontingent.billing.run')
        if Transaction().context.get('kontingent_skip_billing'):
            return
        to_bill = [m for m in memberships if m.unit.payee
            and m.unit.payee.bill_on_activation]
        if to_bill:
            Run.bill_new_memberships(to_bill, shown_date())

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, memberships):
        cls._log_event(memberships, 'suspended')

    @classmethod
    @ModelView.button_action('kontingent.wizard_membership_end')
    def end(cls, memberships):
        pass

    @classmethod
    @Workflow.transition('ended')
    def terminate(cls, memberships, date, reason):
        "End memberships on date, the last day, for reason"
        for membership in memberships:
            if date < membership.start_date:
                raise MembershipError(gettext(
                        'kontingent.msg_membership_end_before_start',
                        membership=membership.rec_name,
                        date=date))
        cls.write(memberships, {
                'end_date': date,
                'withdrawal_reason': reason.id if reason else None,
                })
        cls._log_event(memberships, 'ended', date=date, reason=reason)


class MembershipAddon(ModelSQL, ModelView):
    "Membership Add-on"
    __name__ = 'kontingent.membership.addon'
    _history = True

    membership = fields.Many2One(
        'kontingent.membership', "Membership", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Add-on", required=True, ondelete='RESTRICT',
        domain=[
            ('kontingent_kind', '=', 'addon'),
            ])
    start_date = fields.Date(
        "Start Date",
        help="Leave empty to follow the membership.")
    end_date = fields.Date(
        "End Date",
        domain=[
            If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ])

    def is_active_on(self, date):
        return ((not self.start_date or self.start_date <= date)
            and (not self.end_date or date <= self.end_date))

    @classmethod
    def validate_fields(cls, addons, field_names):
        super().validate_fields(addons, field_names)
        if field_names & {'product', 'membership'}:
            for addon in addons:
                addon.membership.check_product_unit(addon.product)
        if field_names & {'start_date', 'end_date', 'membership'}:
            for addon in addons:
                addon.check_dates()

    def check_dates(self):
        "An add-on runs within its membership"
        membership = self.membership
        if ((self.start_date and self.start_date < membership.start_date)
                or (self.end_date and membership.end_date
                    and self.end_date > membership.end_date)):
            raise MembershipError(gettext(
                    'kontingent.msg_membership_addon_dates',
                    addon=self.product.rec_name,
                    membership=membership.rec_name))


class MembershipEvent(ModelSQL, ModelView):
    "Membership Event"
    __name__ = 'kontingent.membership.event'

    membership = fields.Many2One(
        'kontingent.membership', "Membership", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    state = fields.Selection(
        'get_states', "State", required=True)
    reason = fields.Many2One(
        'kontingent.withdrawal_reason', "Reason", ondelete='RESTRICT')
    user = fields.Function(
        fields.Many2One('res.user', "User"), 'get_user')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('create_date', 'DESC'),
            ('id', 'DESC'),
            ]

    @classmethod
    def get_states(cls):
        pool = Pool()
        Membership = pool.get('kontingent.membership')
        return Membership.fields_get(['state'])['state']['selection']

    def get_user(self, name):
        return self.create_uid.id


class EndMembershipStart(ModelView):
    "End Membership"
    __name__ = 'kontingent.membership.end.start'

    date = fields.Date(
        "Effective Date", required=True,
        help="The last day of the membership.")
    reason = fields.Many2One(
        'kontingent.withdrawal_reason', "Reason", required=True)


class EndMembership(Wizard):
    "End Membership"
    __name__ = 'kontingent.membership.end'
    start = StateView(
        'kontingent.membership.end.start',
        'kontingent.membership_end_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("End", 'terminate', 'tryton-ok', default=True),
            ])
    terminate = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        return {
            'date': Date.today(),
            }

    def transition_terminate(self):
        self.model.terminate(
            self.records, self.start.date, self.start.reason)
        return 'end'
