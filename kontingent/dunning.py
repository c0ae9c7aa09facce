# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict, namedtuple
from decimal import Decimal

from sql import Cast, Column, Literal, Select, Values
from sql.conditionals import Coalesce
from sql.functions import CurrentTimestamp
from sql.operators import Exists

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access

from . import reminder_law
from .exceptions import ReminderProcedureError
from .payment_posting import forget
from .posting import Unnest, insert_rows, post_moves

# The modules whose methods the bulk paths do the work of
DUNNING_MODULES = {'account_dunning', 'account_dunning_fee', 'kontingent'}

# What Level.test reads of a receivable line: whether it is held, its
# maturity date and its dunnings, each with its date
Claim = namedtuple('Claim', ['reminder_hold', 'maturity_date', 'dunnings'])
DunningDate = namedtuple('DunningDate', ['date'])
FeeFacts = namedtuple('FeeFacts', [
        'company', 'currency', 'amount', 'level', 'account', 'party'])


class Procedure(metaclass=PoolMeta):
    __name__ = 'account.dunning.procedure'

    legal_regime = fields.Selection([
            (None, ""),
            (reminder_law.NORWAY, "Norway"),
            (reminder_law.DENMARK, "Denmark"),
            ], "Legal Regime",
        help="The country whose law limits the days, fees and number "
        "of reminders; a procedure breaking a limit is refused.")
    fee_cap = fields.Numeric(
        "Fee Cap", digits=(16, 2),
        states={
            'invisible': ~Eval('legal_regime'),
            'required': Bool(Eval('legal_regime')),
            },
        help="The highest reminder fee the law allows "
        "(Norway: 1/20 of the inkassosats; Denmark: renteloven § 9 b).")

    @fields.depends('legal_regime', 'fee_cap')
    def on_change_legal_regime(self):
        self.fee_cap = reminder_law.DEFAULT_FEE_CAP.get(self.legal_regime)

    @classmethod
    def validate(cls, procedures):
        super().validate(procedures)
        for procedure in procedures:
            procedure.check_legal_limits()

    def check_legal_limits(self):
        levels = list(self.levels)
        terms = [level.legal_terms(i) for i, level in enumerate(levels)]
        for violation in reminder_law.violations(
                self.legal_regime, terms, self.fee_cap):
            level = (levels[violation.level].rec_name
                if violation.level is not None else '')
            raise ReminderProcedureError(gettext(
                    'kontingent.msg_reminder_law_%s' % violation.rule,
                    procedure=self.rec_name, level=level,
                    limit=violation.limit))
        for level in levels:
            if (self.legal_regime and level.fee
                    and level.fee.compute_method != 'list_price'):
                raise ReminderProcedureError(gettext(
                        'kontingent.msg_reminder_law_fee_fixed',
                        procedure=self.rec_name, level=level.rec_name))


class Level(metaclass=PoolMeta):
    __name__ = 'account.dunning.level'

    reminder_kind = fields.Selection([
            (reminder_law.REMINDER, "Reminder"),
            (reminder_law.COLLECTION_WARNING, "Debt Collection Warning"),
            (reminder_law.HAND_OVER, "Hand-over to Debt Collection"),
            (reminder_law.ASSOCIATION, "Hand-over to the Association"),
            ], "Kind", required=True, sort=False,
        help="A hand-over level lists the claims for the debt collection "
        "agency or the association and sends no letter to the member.")
    interval = fields.TimeDelta(
        "After Previous Level",
        help="The least time since the previous level's letter; "
        "leave empty on the first level.")
    payment_days = fields.Integer(
        "Days to Pay", required=True,
        help="The payment deadline printed on the letter.")
    notify_email = fields.Char(
        "Send List To",
        states={
            'invisible': ~Eval('reminder_kind').in_(
                list(reminder_law.FINAL_KINDS)),
            },
        help="The e-mail address that gets the list of the claims handed "
        "over at this level after each run: the debt collection agency or "
        "the association's board.")
    letter_text = fields.Text(
        "Letter Text", translate=True,
        help="Printed above the claims; the debt collection warning "
        "needs the wording the law asks for.")
    suspend_membership = fields.Boolean(
        "Suspend Membership",
        help="Suspend the memberships billed on the claims; "
        "they are reactivated when the claims are paid.")
    attach_copies = fields.Boolean(
        "Attach Invoice Copies",
        help="Send copies of the overdue invoices with the letter.")

    @classmethod
    def default_reminder_kind(cls):
        return reminder_law.REMINDER

    @classmethod
    def default_payment_days(cls):
        return 14

    @classmethod
    def validate(cls, levels):
        super().validate(levels)
        for procedure in {l.procedure for l in levels}:
            procedure.check_legal_limits()

    @property
    def fee_amount(self):
        "The fixed fee of the level, 0 for none"
        if self.fee and self.fee.compute_method == 'list_price':
            return self.fee.product.list_price_used or Decimal(0)
        return Decimal(0)

    def legal_terms(self, index):
        if index:
            delay = self.interval
        else:
            delay = self.overdue
        return reminder_law.LevelTerms(
            kind=self.reminder_kind,
            days=delay.days if delay is not None else 0,
            fee=self.fee_amount,
            has_text=bool((self.letter_text or '').strip()),
            payment_days=self.payment_days or 0)

    def test(self, line, date):
        if line.reminder_hold:
            return False
        if self.overdue is not None and not super().test(line, date):
            return False
        if self.interval is not None:
            previous = line.dunnings[0] if line.dunnings else None
            if not previous or not previous.date:
                return False
            return date - previous.date >= self.interval
        return self.overdue is not None


class Dunning(metaclass=PoolMeta):
    __name__ = 'account.dunning'

    reminder = fields.Many2One(
        'kontingent.reminder', "Reminder", readonly=True,
        ondelete='SET NULL',
        help="The last letter to the payer that covered this claim.")

    @classmethod
    def _overdue_line_domain(cls, date):
        return super()._overdue_line_domain(date) + [
            ('reminder_hold', '=', False),
            ]

    @classmethod
    def generate_dunnings(cls, date=None):
        """Generate the dunnings Tryton generates, with the levels tested
        on the claims read together and the new dunnings inserted in bulk

        Tryton reads each overdue line, its procedure and the facts its
        levels test through the ORM and saves the dunnings one record at a
        time.  The same lines are searched, their facts read with a query
        a thousand and given to the same Level.test, and the rows Tryton
        would create inserted together (tests/test_reminder_posting.py
        compares them).  Where another module extends how dunnings are
        generated, Tryton's own path runs.
        """
        pool = Pool()
        Date = pool.get('ir.date')
        Level = pool.get('account.dunning.level')
        MoveLine = pool.get('account.move.line')
        if (extended_elsewhere(cls, {'generate_dunnings', '_get_dunning'})
                or extended_elsewhere(Level, {'test'})
                or extended_elsewhere(MoveLine, {'dunning_procedure'})):
            return super().generate_dunnings(date=date)
        if date is None:
            date = Date.today()
        cls._raise_levels(date)
        cls._create_overdue(date)

    @classmethod
    def _raise_levels(cls, date):
        """Move each waiting dunning to the next level its claim passes, or
        to final after the last level, as generate_dunnings does"""
        pool = Pool()
        Date = pool.get('ir.date')
        MoveLine = pool.get('account.move.line')
        Procedure = pool.get('account.dunning.procedure')
        dunning = cls.__table__()
        line = MoveLine.__table__()
        cursor = Transaction().connection.cursor()
        with check_access():
            dunnings = cls.search([
                    ('state', '=', 'waiting'),
                    ('blocked', '=', False),
                    ])
        dunnings = cls.browse(dunnings)
        facts = {}
        for sub_ids in grouped_slice(
                [d.id for d in dunnings], backend.MAX_QUERY_PARAMS):
            cursor.execute(*dunning.join(line,
                    condition=dunning.line == line.id
                    ).select(dunning.id, dunning.procedure, dunning.level,
                    dunning.date, line.id, line.maturity_date,
                    where=fields.SQL_OPERATORS['in'](
                        dunning.id, list(sub_ids))))
            facts.update((r[0], r[1:]) for r in cursor)
        held = MoveLine.get_reminder_hold(
            MoveLine.browse([f[3] for f in facts.values()]), 'reminder_hold')
        levels = LevelCache(Procedure, date)
        set_level = defaultdict(list)
        for record in dunnings:
            procedure, level, dunning_date, line_id, maturity_date = (
                facts[record.id])
            claim = Claim(held[line_id], maturity_date,
                (DunningDate(dunning_date),))
            current, following = levels.after(procedure, level)
            if not following:
                set_level[None].append(record)
                continue
            level = next(
                (l for l in following if levels.test(l, claim)), current)
            if level != current:
                set_level[level].append(record)
        for level, records in set_level.items():
            if level:
                values = {
                    'level': level.id,
                    'state': 'draft',
                    'date': None,
                    }
            else:
                values = {
                    'state': 'final',
                    'date': Date.today(),
                    }
            write_values(cls, [r.id for r in records], values)

    @classmethod
    def _create_overdue(cls, date):
        """Create a dunning at the first level passed for each overdue line
        of a procedure, as generate_dunnings does"""
        pool = Pool()
        Account = pool.get('account.account')
        Invoice = pool.get('account.invoice')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Procedure = pool.get('account.dunning.procedure')
        Unit = pool.get('kontingent.unit')
        line = MoveLine.__table__()
        account = Account.__table__()
        move = Move.__table__()
        invoice = Invoice.__table__()
        cursor = Transaction().connection.cursor()
        with check_access():
            lines = MoveLine.search(cls._overdue_line_domain(date))
        facts, invoices = {}, {}
        for sub_ids in grouped_slice(
                [l.id for l in lines], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line
                .join(account, condition=line.account == account.id)
                .join(move, condition=line.move == move.id)
                .select(line.id, line.maturity_date, account.company,
                    move.origin,
                    where=fields.SQL_OPERATORS['in'](line.id, list(sub_ids))))
            for line_id, maturity_date, company, origin in cursor:
                model, _, invoice_id = (origin or '').partition(',')
                invoice_id = (int(invoice_id)
                    if model == Invoice.__name__ else None)
                if invoice_id:
                    invoices[invoice_id] = None
                facts[line_id] = (maturity_date, company, invoice_id)
        for sub_ids in grouped_slice(
                list(invoices), backend.MAX_QUERY_PARAMS):
            cursor.execute(*invoice.select(invoice.id,
                    invoice.kontingent_unit,
                    where=fields.SQL_OPERATORS['in'](
                        invoice.id, list(sub_ids))))
            invoices.update(cursor)
        held = MoveLine.get_reminder_hold(lines, 'reminder_hold')

        # The procedure of the invoice's unit, else the ORM finds the
        # payer's as MoveLine.dunning_procedure does
        unit_procedures = {}
        for unit in Unit.browse(
                {u for u in invoices.values() if u is not None}):
            unit_procedures[unit.id] = next(
                (u.dunning_procedure for u in unit.lineage
                    if u.dunning_procedure), None)
        procedures = {}
        for record in lines:
            invoice_id = facts[record.id][2]
            procedure = unit_procedures.get(invoices.get(invoice_id))
            if procedure:
                procedures[record.id] = procedure
        for record in MoveLine.browse(
                [l.id for l in lines if l.id not in procedures]):
            procedures[record.id] = record.dunning_procedure

        levels = LevelCache(Procedure, date)
        rows = []
        for record in lines:
            procedure = procedures[record.id]
            if not procedure:
                continue
            maturity_date, company, _ = facts[record.id]
            claim = Claim(held[record.id], maturity_date, ())
            level = next((l for l in levels.of(procedure.id)
                    if levels.test(l, claim)), None)
            if level:
                rows.append({
                        'company': company,
                        'line': record.id,
                        'procedure': procedure.id,
                        'level': level.id,
                        })
        create_rows(cls, rows)

    @classmethod
    def process(cls, dunnings):
        """Charge the level's fee once per letter: on the first claim of
        each reminder, not on every claim it covers

        Where no other module extends processing, the fees are created
        and the dunnings set waiting in bulk, with the rows
        account_dunning_fee and account_dunning write."""
        pool = Pool()
        Date = pool.get('ir.date')
        Level = pool.get('account.dunning.level')
        facts = cls._process_facts(dunnings)
        level_fees = {l.id: l.fee
            for l in Level.browse({f[1] for f in facts.values()})}
        carriers, letters = set(), set()
        for dunning in dunnings:
            _, level, _, _, letter, letter_level = facts[dunning.id]
            if letter is None:
                carriers.add(dunning.id)
            elif level == letter_level and letter not in letters:
                letters.add(letter)
                carriers.add(dunning.id)
        # Read each fee's price once, not once per claim
        prices = {}
        for dunning_id in carriers:
            company, level = facts[dunning_id][:2]
            fee = level_fees[level]
            if fee and (fee.id, company) not in prices:
                prices[(fee.id, company)] = fee.get_list_price(
                    cls(dunning_id))
        with Transaction().set_context(reminder_fee_prices=prices):
            if extended_elsewhere(cls, {'process'}):
                super().process([d for d in dunnings if d.id in carriers])
                # account_dunning_fee charges every dunning it processes:
                # the other claims of a letter get the plain account_dunning
                # processing
                rest = [d.id for d in dunnings if d.id not in carriers]
            else:
                cls._charge_fees([d.id for d in dunnings if d.id in carriers],
                    facts, level_fees)
                rest = [d.id for d in dunnings]
        waiting = defaultdict(list)
        for dunning_id in rest:
            company, _, blocked, state, _, _ = facts[dunning_id]
            if not blocked and state == 'draft':
                waiting[company].append(dunning_id)
        for company, ids in waiting.items():
            with Transaction().set_context(company=company):
                today = Date.today()
            write_values(cls, ids, {
                    'state': 'waiting',
                    'date': today,
                    })

    @classmethod
    def _process_facts(cls, dunnings):
        """Return by dunning id its company, level, blocked, state, last
        letter and the letter's level, read in one query a thousand"""
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        dunning = cls.__table__()
        reminder = Reminder.__table__()
        cursor = Transaction().connection.cursor()
        facts = {}
        for sub_ids in grouped_slice(
                [d.id for d in dunnings], backend.MAX_QUERY_PARAMS):
            cursor.execute(*dunning.join(reminder, type_='LEFT',
                    condition=dunning.reminder == reminder.id
                    ).select(dunning.id, dunning.company, dunning.level,
                    dunning.blocked, dunning.state, dunning.reminder,
                    reminder.level,
                    where=fields.SQL_OPERATORS['in'](
                        dunning.id, list(sub_ids))))
            facts.update((r[0], (r[1], r[2], bool(r[3]), *r[4:]))
                for r in cursor)
        return facts

    @classmethod
    def _charge_fees(cls, dunning_ids, facts, level_fees):
        """Create and post the fees account_dunning_fee charges on
        processing the dunnings, facts read by _process_facts and
        level_fees the fee of each level id"""
        pool = Pool()
        FeeLevel = pool.get('account.dunning.fee.dunning_level')
        fee_level = FeeLevel.__table__()
        cursor = Transaction().connection.cursor()
        charged = set()
        for sub_ids in grouped_slice(dunning_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*fee_level.select(
                    fee_level.dunning, fee_level.level,
                    where=fields.SQL_OPERATORS['in'](
                        fee_level.dunning, list(sub_ids))))
            charged.update(cursor)
        amounts = {}
        rows = []
        for dunning_id in dunning_ids:
            company, level, blocked = facts[dunning_id][:3]
            fee = level_fees[level]
            if blocked or not fee or (dunning_id, level) in charged:
                continue
            # A price of the list is the same for every claim of a company
            key = ((fee.id, company) if fee.compute_method == 'list_price'
                else (fee.id, company, dunning_id))
            if key not in amounts:
                amounts[key] = fee.get_amount(cls(dunning_id))
            amount, currency = amounts[key]
            rows.append({
                    'dunning': dunning_id,
                    'level': level,
                    'amount': amount,
                    'currency': currency.id if currency else None,
                    })
        FeeLevel.process(FeeLevel.browse(create_rows(FeeLevel, rows)))


class LevelCache:
    "The levels of procedures and their tests of claims, each made once"

    def __init__(self, Procedure, date):
        self.Procedure = Procedure
        self.date = date
        self._levels = {}
        self._tests = {}

    def of(self, procedure_id):
        "The levels of the procedure, in order"
        if procedure_id not in self._levels:
            self._levels[procedure_id] = list(
                self.Procedure(procedure_id).levels)
        return self._levels[procedure_id]

    def after(self, procedure_id, level_id):
        "The level of the procedure and the levels after it"
        levels = self.of(procedure_id)
        index = [l.id for l in levels].index(level_id)
        return levels[index], levels[index + 1:]

    def test(self, level, claim):
        "Level.test of the claim on the date, for claims of the same facts"
        key = (level.id, claim)
        if key not in self._tests:
            self._tests[key] = level.test(claim, self.date)
        return self._tests[key]


def extended_elsewhere(Model, names):
    """Whether a module other than Tryton's dunning modules and this one
    extends one of the methods names of Model, whose work a bulk path
    does in its place"""
    return extended(Model, names, DUNNING_MODULES)


def extended(Model, names, modules=()):
    "Whether a module, but modules, extends one of the methods names of Model"
    for klass in Model.__mro__:
        path = klass.__module__.split('.')
        if (path[:2] == ['trytond', 'modules'] and path[2] not in modules
                and not names.isdisjoint(vars(klass))):
            return True
    return False


def through_orm(Model, mode):
    """Whether records of Model must be created or written through the ORM:
    for a module's extension of it, the triggers set up by staff, or to
    check the access and log the changes of a user's call"""
    pool = Pool()
    Trigger = pool.get('ir.trigger')
    transaction = Transaction()
    return bool(
        extended(Model, {mode, 'check_modification', 'on_modification'})
        or Trigger.get_triggers(Model.__name__, mode)
        or (transaction.user and transaction.check_access)
        or transaction.context.get('_log'))


def create_rows(Model, rows):
    "Create records of Model with the values of rows; return their ids"
    if through_orm(Model, 'create'):
        return [r.id for r in Model.create(rows)]
    return insert_rows(Model, rows)


def write_values(Model, ids, values):
    "Write the same values on the records ids of Model as ModelSQL.write"
    if not ids:
        return
    if through_orm(Model, 'write'):
        Model.write(Model.browse(ids), values)
        return
    table = Model.__table__()
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    columns = [Column(table, n) for n in values]
    sql_values = [Model._fields[n].sql_format(v) for n, v in values.items()]
    for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.update(
                columns + [table.write_uid, table.write_date],
                sql_values + [transaction.user, CurrentTimestamp()],
                where=fields.SQL_OPERATORS['in'](table.id, list(sub_ids))))
    forget([Model])


def write_each(Model, name, values):
    """Write on each record of Model its value of field name, values
    mapping ids to values, as ModelSQL.write"""
    if not values:
        return
    if through_orm(Model, 'write'):
        by_value = defaultdict(list)
        for record_id, value in values.items():
            by_value[value].append(record_id)
        Model.write(*[a for value, ids in by_value.items()
                for a in (Model.browse(ids), {name: value})])
        return
    table = Model.__table__()
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    field = Model._fields[name]
    for pairs in grouped_slice(list(values.items()), 1000):
        pairs = [(i, field.sql_format(v)) for i, v in pairs]
        if backend.name == 'postgresql':
            # Two arrays as parameters: PostgreSQL parses a thousand rows
            # of values slower than it updates them
            array_type = transaction.database.sql_type(field._sql_type).base
            ids, sql_values = zip(*pairs)
            pairs = Select([
                    Unnest(Cast(Literal(list(ids)), 'INTEGER[]')
                        ).as_('column1'),
                    Unnest(Cast(Literal(list(sql_values)), array_type + '[]')
                        ).as_('column2'),
                    ])
        else:
            pairs = Values(pairs)
        cursor.execute(*table.update(
                [Column(table, name), table.write_uid, table.write_date],
                [pairs.column2, Literal(transaction.user),
                    CurrentTimestamp()],
                from_=[pairs], where=table.id == pairs.column1))
    forget([Model])


class Fee(metaclass=PoolMeta):
    __name__ = 'account.dunning.fee'

    def get_list_price(self, dunning):
        prices = Transaction().context.get('reminder_fee_prices') or {}
        key = (self.id, dunning.company.id)
        if key in prices:
            return prices[key]
        return super().get_list_price(dunning)


class FeeDunningLevel(metaclass=PoolMeta):
    __name__ = 'account.dunning.fee.dunning_level'

    @classmethod
    def process(cls, fees):
        """Post the fee moves of a reminder run in bulk when they are of the
        simple shape: an amount in the company currency, without triggers
        on moves; Tryton reconciles the lines of a zero fee at once"""
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        Trigger = pool.get('ir.trigger')
        facts = cls._fee_facts(fees)
        companies = {f.company for f in facts.values()}
        if (not Transaction().context.get('reminder_date')
                or len(companies) != 1
                or any(Trigger.get_triggers(name, 'create')
                    for name in ['account.move', 'account.move.line'])):
            return super().process(fees)
        company = Company(*companies)
        if any(f.currency != company.currency.id or not f.amount
                for f in facts.values()):
            return super().process(fees)
        with Transaction().set_context(company=company.id):
            today = Date.today()
            post_moves(company, cls.fee_moves(fees, facts, today), today)

    @classmethod
    def _fee_facts(cls, fees):
        """Return by fee id what its move is made of, read in one query a
        thousand: company, currency, amount, level, the claim's account and
        payer"""
        pool = Pool()
        Dunning = pool.get('account.dunning')
        Line = pool.get('account.move.line')
        fee_level = cls.__table__()
        dunning = Dunning.__table__()
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        facts = {}
        for sub_ids in grouped_slice(
                [f.id for f in fees], backend.MAX_QUERY_PARAMS):
            cursor.execute(*fee_level
                .join(dunning, condition=fee_level.dunning == dunning.id)
                .join(line, condition=dunning.line == line.id)
                .select(fee_level.id, dunning.company, fee_level.currency,
                    fee_level.amount, fee_level.level, line.account,
                    line.party,
                    where=fields.SQL_OPERATORS['in'](
                        fee_level.id, list(sub_ids))))
            facts.update((r[0], FeeFacts(*r[1:])) for r in cursor)
        return facts

    @classmethod
    def fee_moves(cls, fees, facts, date):
        """Return as rows of values the moves get_move_process builds for
        the fees of one company, facts read by _fee_facts"""
        pool = Pool()
        Company = pool.get('company.company')
        Level = pool.get('account.dunning.level')
        Period = pool.get('account.period')
        company = Company(facts[fees[0].id].company)
        period = Period.find(company, date=date)
        level_fees = {}
        moves = []
        for fee in fees:
            fact = facts[fee.id]
            if fact.level not in level_fees:
                level_fee = Level(fact.level).fee
                counterpart = level_fee.product.account_revenue_used
                level_fees[fact.level] = (level_fee.journal, level_fee.name,
                    counterpart, counterpart.party_required)
            journal, description, counterpart, party_required = (
                level_fees[fact.level])
            moves.append({
                    'company': company, 'journal': journal,
                    'date': date, 'period': period,
                    'origin': f'{cls.__name__},{fee.id}',
                    'description': description,
                    'lines': [{
                            'debit': fact.amount, 'account': fact.account,
                            'party': fact.party,
                            }, {
                            'credit': fact.amount, 'account': counterpart,
                            'party': fact.party if party_required else None,
                            }],
                    })
        return moves


class Date(metaclass=PoolMeta):
    __name__ = 'ir.date'

    @classmethod
    def today(cls, timezone=None):
        """The date of the reminder run being prepared or sent: Tryton's
        dunnings and fee moves take their date from today"""
        return (Transaction().context.get('reminder_date')
            or super().today(timezone=timezone))


class MoveLine(metaclass=PoolMeta):
    __name__ = 'account.move.line'

    reminder_hold = fields.Function(
        fields.Boolean(
            "Reminder Hold",
            help="No reminder while a collection by AvtaleGiro, "
            "Betalingsservice, card or payroll is pending for the claim, "
            "or while a payment of the payer waits in the unmatched "
            "queue."),
        'get_reminder_hold', searcher='search_reminder_hold')

    @property
    def dunning_procedure(self):
        invoice = self.move.origin if self.move else None
        if (isinstance(invoice, Pool().get('account.invoice'))
                and invoice.kontingent_unit):
            for unit in invoice.kontingent_unit.lineage:
                if unit.dunning_procedure:
                    return unit.dunning_procedure
        return super().dunning_procedure

    @classmethod
    def _reminder_hold_query(cls):
        "Return a query of the ids of the receivable lines held"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Unmatched = pool.get('kontingent.payment.unmatched')
        line = cls.__table__()
        invoice = Invoice.__table__()
        unmatched = Unmatched.__table__()

        waiting = unmatched.select(Literal(1),
            where=(unmatched.state == 'open')
            & ((unmatched.party == line.party)
                | ((unmatched.kid == invoice.kontingent_kid)
                    & (unmatched.company == invoice.company))))
        return (line
            .join(invoice, type_='LEFT', condition=invoice.move == line.move)
            .select(line.id.as_('id'),
                where=(Coalesce(invoice.collection_pending, False)
                    == Literal(True))
                | Exists(waiting)))

    @classmethod
    def get_reminder_hold(cls, lines, name):
        cursor = Transaction().connection.cursor()
        held = set()
        query = cls._reminder_hold_query()
        for sub_ids in grouped_slice(
                [l.id for l in lines], backend.MAX_QUERY_PARAMS):
            cursor.execute(*query.select(query.id,
                    where=fields.SQL_OPERATORS['in'](query.id, list(sub_ids))))
            held.update(i for i, in cursor)
        return {l.id: l.id in held for l in lines}

    @classmethod
    def search_reminder_hold(cls, name, clause):
        _, operator, value = clause
        held = cls._reminder_hold_query()
        if (operator == '=') == bool(value):
            return [('id', 'in', held)]
        return [('id', 'not in', held)]


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    collection_pending = fields.Boolean(
        "Collection Pending", readonly=True,
        states={
            'invisible': ~Eval('collection_pending'),
            },
        help="A direct debit, card or payroll collection of this claim "
        "is under way: no reminder is sent for it.")
    handed_over = fields.Date(
        "Handed Over", readonly=True,
        states={
            'invisible': ~Eval('handed_over'),
            },
        help="When the claim was handed over to debt collection "
        "or to the association.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Both follow the claim's collection after it is posted
        cls._check_modify_exclude |= {'collection_pending', 'handed_over'}

    @classmethod
    def paid(cls, invoices):
        pool = Pool()
        Reminder = pool.get('kontingent.reminder')
        super().paid(invoices)
        Reminder.reactivate_paid(invoices)

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('collection_pending')
        default.setdefault('handed_over')
        return super().copy(invoices, default=default)


class Unit(metaclass=PoolMeta):
    __name__ = 'kontingent.unit'

    dunning_procedure = fields.Many2One(
        'account.dunning.procedure', "Reminder Procedure",
        ondelete='RESTRICT',
        help="Reminds the overdue claims paid to this unit and the units "
        "below it that have no procedure of their own.")
