# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
from itertools import groupby

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import CourseError, CourseInvoiceError
from .manual_invoice import (
    post_single_invoices, single_invoice, single_invoice_line)
from .membership import shown_date


class Course(Workflow, ModelSQL, ModelView):
    "Course"
    __name__ = 'kontingent.course'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    name = fields.Char("Name", required=True)
    unit = fields.Many2One(
        'kontingent.unit', "Organiser", required=True, ondelete='RESTRICT',
        states=_states,
        help="The unit holding the course; it, or the nearest unit above "
        "it with a KID scheme, is paid the fees.")
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    product = fields.Many2One(
        'product.product', "Fee Product", required=True,
        ondelete='RESTRICT',
        domain=[
            ('type', '=', 'service'),
            ],
        states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Gives the revenue account and taxes of the fees.")
    fee = fields.Numeric(
        "Fee", digits='currency', required=True,
        states={
            'readonly': Eval('state') == 'closed',
            },
        help="What a participant pays, unless set otherwise "
        "on the participant.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date",
        domain=[
            If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        states=_states)
    place = fields.Char("Place")
    confirm_on_payment = fields.Boolean(
        "Confirm on Payment", states=_states,
        help="Registration is confirmed only when the fee is paid.")
    participants = fields.One2Many(
        'kontingent.course.participant', 'course', "Participants",
        states={
            'readonly': Eval('state') == 'closed',
            })
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'open'),
            ('open', 'draft'),
            ('open', 'closed'),
            ('closed', 'open'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'open': {
                    'invisible': ~Eval('state').in_(['draft', 'closed']),
                    'icon': If(Eval('state') == 'closed',
                        'tryton-undo', 'tryton-forward'),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-close',
                    'depends': ['state'],
                    },
                'invoice_participants': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-invoice',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_confirm_on_payment(cls):
        return False

    @classmethod
    def default_unit(cls):
        return Transaction().context.get('kontingent_unit')

    @fields.depends('unit')
    def on_change_with_company(self, name=None):
        return self.unit.company if self.unit else None

    @classmethod
    def search_company(cls, name, clause):
        return [('unit.' + clause[0],) + tuple(clause[1:])]

    @fields.depends('unit')
    def on_change_with_currency(self, name=None):
        return self.unit.company.currency if self.unit else None

    @fields.depends('product', 'unit')
    def on_change_product(self):
        "Propose the list price of the organiser's company"
        pool = Pool()
        Product = pool.get('product.product')
        if not self.product:
            return
        company = self.unit.company.id if self.unit else None
        with Transaction().set_context(company=company):
            self.fee = Product(self.product.id).list_price_used

    def get_rec_name(self, name):
        return f'{self.name}, {self.start_date}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    @classmethod
    def check_modification(cls, mode, courses, values=None, external=False):
        super().check_modification(
            mode, courses, values=values, external=external)
        if mode == 'delete':
            for course in courses:
                if course.state != 'draft':
                    raise CourseError(gettext(
                            'kontingent.msg_course_delete_draft',
                            course=course.rec_name))

    @classmethod
    def copy(cls, courses, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('participants')
        return super().copy(courses, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, courses):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, courses):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, courses):
        pass

    @classmethod
    @ModelView.button
    def invoice_participants(cls, courses):
        pool = Pool()
        Participant = pool.get('kontingent.course.participant')
        Participant.bill([
                p for c in courses if c.state == 'open'
                for p in c.participants], shown_date())


class Participant(Workflow, ModelSQL, ModelView):
    "Course Participant"
    __name__ = 'kontingent.course.participant'

    course = fields.Many2One(
        'kontingent.course', "Course", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Participant", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'registered',
            },
        help="A member or anyone else.")
    member = fields.Function(
        fields.Boolean(
            "Member",
            help="A member of the organisation holding the course."),
        'get_member')
    fee = fields.Numeric(
        "Fee", digits='currency', required=True,
        states={
            'readonly': Eval('state') != 'registered',
            })
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT')
    state = fields.Selection([
            ('registered', "Registered"),
            ('invoiced', "Invoiced"),
            ('confirmed', "Confirmed"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('course')
        t = cls.__table__()
        cls._sql_constraints += [
            ('course_party_unique', Unique(t, t.course, t.party),
                'kontingent.msg_course_participant_unique'),
            ]
        cls._order = [
            ('course', 'ASC'),
            ('id', 'ASC'),
            ]
        cls._transitions |= {
            ('registered', 'invoiced'),
            ('registered', 'confirmed'),
            ('invoiced', 'confirmed'),
            ('registered', 'cancelled'),
            ('invoiced', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('cancelled', 'registered'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'invoiced',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') == 'cancelled',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'register': {
                    'invisible': ((Eval('state') != 'cancelled')
                        | Eval('invoice')),
                    'icon': 'tryton-back',
                    'depends': ['state', 'invoice'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'registered'

    @fields.depends('party', 'fee', 'course', '_parent_course.fee')
    def on_change_party(self):
        if self.party and self.fee is None and self.course:
            self.fee = self.course.fee

    @fields.depends('course', '_parent_course.unit')
    def on_change_with_currency(self, name=None):
        if self.course and self.course.unit:
            return self.course.unit.company.currency

    def get_member(self, name):
        party = self.party
        return bool(party.member_unit
            and party.member_unit.root == self.course.unit.root)

    def get_rec_name(self, name):
        return f'{self.party.rec_name} - {self.course.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('party.rec_name',) + tuple(clause[1:]),
            ('course.rec_name',) + tuple(clause[1:]),
            ]

    @classmethod
    def preprocess_values(cls, mode, values):
        "A participant pays the course fee unless told otherwise"
        pool = Pool()
        Course = pool.get('kontingent.course')
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and values.get('fee') is None
                and values.get('course') is not None):
            values['fee'] = Course(values['course']).fee
        return values

    @classmethod
    def check_modification(
            cls, mode, participants, values=None, external=False):
        super().check_modification(
            mode, participants, values=values, external=external)
        if mode == 'delete':
            for participant in participants:
                if participant.invoice:
                    raise CourseError(gettext(
                            'kontingent.msg_course_participant_delete',
                            participant=participant.rec_name))

    @classmethod
    def copy(cls, participants, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('invoice')
        default.setdefault('state', 'registered')
        return super().copy(participants, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, participants):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, participants):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('registered')
    def register(cls, participants):
        pass

    @classmethod
    @Workflow.transition('invoiced')
    def invoiced(cls, participants):
        pass

    @classmethod
    def bill(cls, participants, date):
        """Invoice on date the registered participants not yet invoiced,
        one posted invoice with a KID each

        Participants who pay nothing are confirmed at once, and so are the
        others unless their course confirms on payment.
        """
        participants = [p for p in participants
            if p.state == 'registered' and not p.invoice]
        for participant in participants:
            participant.check_invoiceable()

        def company(participant):
            return participant.course.unit.company.id
        for company_id, group in groupby(
                sorted(participants, key=company), key=company):
            # Records read in the course's company see its accounts
            with Transaction().set_context(company=company_id):
                group = cls.browse([p.id for p in group])
                to_invoice = [p for p in group if p.fee]
                invoices = [p.get_invoice(date) for p in to_invoice]
                post_single_invoices(invoices)
                for participant, invoice in zip(to_invoice, invoices):
                    participant.invoice = invoice
                cls.save(to_invoice)
                cls.invoiced(to_invoice)
                cls.confirm([p for p in group
                        if not p.invoice
                        or not p.course.confirm_on_payment])

    def check_invoiceable(self):
        "Raise CourseInvoiceError if the fee can not be invoiced"
        course = self.course
        if not course.unit.payee:
            raise CourseInvoiceError(gettext(
                    'kontingent.msg_course_no_kid_scheme',
                    course=course.rec_name,
                    unit=course.unit.rec_name))
        if self.fee and not self.party.addresses:
            raise CourseInvoiceError(gettext(
                    'kontingent.msg_course_participant_no_address',
                    party=self.party.rec_name,
                    course=course.rec_name))

    def get_invoice(self, date):
        "Return the unsaved invoice of the fee, issued on date"
        pool = Pool()
        Lang = pool.get('ir.lang')
        course = self.course
        payee = course.unit.payee
        party = self.party
        lang = Lang.get(party.lang.code if party.lang else None)
        invoice = single_invoice(
            payee, party, date,
            date + datetime.timedelta(days=payee.days_to_pay))
        line = single_invoice_line(
            invoice, course.product, self.fee,
            description=f'{course.name}, '
            f'{lang.strftime(course.start_date)}')
        line.origin = self
        invoice.lines = [line]
        return invoice

    @classmethod
    def confirm_paid(cls, invoices):
        "Confirm the participants whose fee is paid by invoices"
        with without_check_access():
            participants = cls.search([
                    ('invoice', 'in', [i.id for i in invoices]),
                    ('invoice.state', '=', 'paid'),
                    ('state', '=', 'invoiced'),
                    ('course.confirm_on_payment', '=', True),
                    ])
            cls.confirm(participants)


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def paid(cls, invoices):
        pool = Pool()
        Participant = pool.get('kontingent.course.participant')
        super().paid(invoices)
        Participant.confirm_paid(invoices)


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['kontingent.course.participant']
