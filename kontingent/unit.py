# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import re

from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.no import kontonr

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields, tree
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, Id, If
from trytond.tools.email_ import EmailNotValidError, validate_email
from trytond.transaction import Transaction

from .exceptions import (
    AccountNumberError, EmailError, KIDSchemeError, MemberOrganisationError)
from .formats import kid

# Fewer claim digits would let a busy organisation run out of KIDs in a year
MIN_CLAIM_DIGITS = 4

DANISH_ACCOUNT = re.compile(r'^(?P<reg>\d{4})(?P<account>\d{1,10})$')


def compact_account_number(number):
    return re.sub(r'[\s.\-]', '', number or '')


def validate_account_number(number, country_code):
    """Return the compact account number or raise ValueError

    Norway uses the 11-digit kontonummer with its MOD11 check digit; Denmark
    a 4-digit registration number followed by up to 10 account digits (the
    banks' own check rules are not public); elsewhere an IBAN.
    """
    number = compact_account_number(number)
    if country_code == 'NO':
        if len(number) != 11:
            raise ValueError('length')
        try:
            return kontonr.validate(number)
        except StdnumValidationError as exception:
            raise ValueError('checksum') from exception
    elif country_code == 'DK':
        if not DANISH_ACCOUNT.match(number):
            raise ValueError('format')
        return number
    try:
        return iban.validate(number)
    except StdnumValidationError as exception:
        raise ValueError('iban') from exception


class Unit(tree(separator=' / '), DeactivableMixin, ModelSQL, ModelView):
    "Organisation Unit"
    __name__ = 'kontingent.unit'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")
    parent = fields.Many2One(
        'kontingent.unit', "Parent", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The organisation this unit belongs to, "
        "e.g. the union of a local branch.")
    children = fields.One2Many('kontingent.unit', 'parent', "Children")
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        help="The legal entity in whose books the unit's dues are posted.")
    country = fields.Many2One(
        'country.country', "Country", required=True, ondelete='RESTRICT',
        help="Decides how account numbers and member addresses are read.")
    party = fields.Many2One(
        'party.party', "Party", ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The unit as a party, to invoice it or to print its address.")
    email = fields.Char(
        "E-mail", help="The sender address of the unit's outgoing mail.")
    account_number = fields.Char(
        "Account Number", required=True,
        help="The bank account members pay into.")
    member_sequence = fields.Many2One(
        'ir.sequence', "Member Sequence", ondelete='RESTRICT',
        domain=[
            ('sequence_type', '=',
                Id('kontingent', 'sequence_type_member')),
            ],
        states={
            'required': ~Bool(Eval('parent')),
            'invisible': Bool(Eval('parent')),
            },
        help="Numbers the members of this organisation and its units.")
    legal_invoice_number = fields.Boolean(
        "Legal Invoice Number",
        help="Bill with invoices numbered in the accounts; "
        "if unchecked, send payment requests identified by KID only.")
    invoice_sequence = fields.Many2One(
        'ir.sequence.strict', "Invoice Sequence", ondelete='RESTRICT',
        domain=[
            ('sequence_type', '=',
                Id('account_invoice', 'sequence_type_account_invoice')),
            ('company', 'in', [Eval('company', -1), None]),
            ],
        states={
            'invisible': ~Eval('legal_invoice_number'),
            },
        help="Leave empty to use the fiscal year's invoice sequence.")
    kid_algorithm = fields.Selection([
            (None, ""),
            (kid.MOD10, "MOD10"),
            (kid.MOD11, "MOD11"),
            ], "KID Check Digit",
        help="As registered in the payee's OCR giro agreement with Nets. "
        "A unit with a KID scheme is the payee of its own claims and of "
        "those of the units below it without one.")
    kid_length = fields.Integer(
        "KID Length",
        domain=[
            If(Eval('kid_algorithm'),
                ('kid_length', '<=', kid.MAX_LENGTH),
                ()),
            ],
        states={
            'required': Bool(Eval('kid_algorithm')),
            'invisible': ~Eval('kid_algorithm'),
            },
        help="The number of digits, check digit included.")
    kid_member_digits = fields.Integer(
        "KID Member Digits",
        domain=[
            If(Eval('kid_algorithm'),
                ('kid_member_digits', '>=', 0),
                ()),
            ],
        states={
            'required': Bool(Eval('kid_algorithm')),
            'invisible': ~Eval('kid_algorithm'),
            },
        help="The KID starts with the member number in this many digits, "
        "then the claim number; 0 for the claim number only.")
    kid_sequence = fields.Many2One(
        'ir.sequence', "KID Claim Sequence", ondelete='RESTRICT',
        domain=[
            ('sequence_type', '=', Id('kontingent', 'sequence_type_kid')),
            ],
        states={
            'required': Bool(Eval('kid_algorithm')),
            'invisible': ~Eval('kid_algorithm'),
            },
        help="Numbers the claims; with the member number it makes every "
        "KID of the payee unique.")
    bill_on_activation = fields.Boolean(
        "Bill New Members",
        help="Invoice the current period, prorated, "
        "as soon as a membership is activated.")
    days_to_pay = fields.Integer(
        "Days to Pay", required=True,
        domain=[
            ('days_to_pay', '>=', 0),
            ],
        help="Due date of the claims of new members and of single invoices, "
        "counted from the invoice date.")
    journal = fields.Many2One(
        'account.journal', "Journal", ondelete='RESTRICT',
        domain=[
            ('type', '=', 'revenue'),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Leave empty to use the revenue journal.")
    invoice_report = fields.Many2One(
        'ir.action.report', "Invoice Template", ondelete='RESTRICT',
        domain=[
            ('model', '=', 'account.invoice'),
            ],
        help="Leave empty to use the standard invoice.")
    products = fields.One2Many(
        'product.template', 'kontingent_unit', "Dues Products",
        domain=[
            ('type', '=', 'service'),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    entry_fee_product = fields.Many2One(
        'product.product', "Entry Fee", ondelete='RESTRICT',
        domain=[
            ('kontingent_kind', '=', 'entry_fee'),
            ],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Charged once, with the first dues of a new member.")
    price_rules = fields.One2Many(
        'kontingent.price.rule', 'unit', "Price Rules")
    proration_rules = fields.One2Many(
        'kontingent.proration.rule', 'unit', "Proration Rules")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_legal_invoice_number():
        return True

    @staticmethod
    def default_bill_on_activation():
        return True

    @staticmethod
    def default_days_to_pay():
        return 14

    @staticmethod
    def default_kid_length():
        return 12

    @staticmethod
    def default_kid_member_digits():
        return 6

    @fields.depends('parent', '_parent_parent.company',
        '_parent_parent.country')
    def on_change_parent(self):
        if self.parent:
            self.company = self.parent.company
            self.country = self.parent.country

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('account_number'):
            values['account_number'] = compact_account_number(
                values['account_number'])
        return values

    @property
    def lineage(self):
        "The unit and the units above it, nearest first"
        units = [self]
        while units[-1].parent:
            units.append(units[-1].parent)
        return units

    @property
    def root(self):
        return self.lineage[-1]

    @property
    def payee(self):
        """The unit whose account and KID scheme receive this unit's
        payments: the nearest one with a KID scheme, or None"""
        return next((u for u in self.lineage if u.kid_algorithm), None)

    def make_kids(self, member_numbers):
        """Return a new KID for each member number (None for none)

        The member number is kept in its last kid_member_digits digits, so
        staff can read it; the claim number makes the KID unique.  A MOD11
        KID whose check digit would be '-' skips to the next claim number,
        as neither netsgiro nor many banks can carry it.
        """
        claim_digits = self.kid_length - 1 - self.kid_member_digits
        numbers = iter(self.kid_sequence.get_many(len(member_numbers)))
        kids = []
        for member_number in member_numbers:
            member_part = ''.join(
                c for c in (member_number or '') if c.isdigit())
            member_part = member_part[-self.kid_member_digits:].zfill(
                self.kid_member_digits) if self.kid_member_digits else ''
            while True:
                claim_number = next(numbers, None) or self.kid_sequence.get()
                if (not claim_number.isdigit()
                        or len(claim_number) > claim_digits):
                    raise KIDSchemeError(gettext(
                            'kontingent.msg_unit_kid_sequence_exhausted',
                            unit=self.rec_name,
                            number=claim_number,
                            digits=claim_digits))
                try:
                    kids.append(kid.make(
                            member_part + claim_number.zfill(claim_digits),
                            self.kid_algorithm))
                except kid.UnrepresentableKID:
                    continue
                break
        return kids

    @classmethod
    def validate_fields(cls, units, field_names):
        super().validate_fields(units, field_names)
        if field_names & {'account_number', 'country'}:
            for unit in units:
                unit.check_account_number()
        if 'email' in field_names:
            for unit in units:
                unit.check_email()
        if 'parent' in field_names:
            for unit in units:
                unit.check_members_organisation()
        if field_names & {'kid_algorithm', 'kid_length', 'kid_member_digits'}:
            for unit in units:
                unit.check_kid_scheme()

    def check_members_organisation(self):
        "Members keep their organisation: a unit can not take them away"
        pool = Pool()
        Party = pool.get('party.party')
        moved = Party.search([
                ('member_unit', 'child_of', [self.id], 'parent'),
                ('member_organisation', '!=', self.root.id),
                ], limit=1)
        if moved:
            raise MemberOrganisationError(gettext(
                    'kontingent.msg_unit_parent_organisation',
                    unit=self.rec_name))

    def check_kid_scheme(self):
        if (self.kid_algorithm
                and self.kid_length - 1 - self.kid_member_digits
                < MIN_CLAIM_DIGITS):
            raise KIDSchemeError(gettext(
                    'kontingent.msg_unit_kid_claim_digits',
                    unit=self.rec_name,
                    minimum=MIN_CLAIM_DIGITS))

    def check_email(self):
        if self.email:
            try:
                validate_email(self.email)
            except EmailNotValidError as exception:
                raise EmailError(gettext(
                        'kontingent.msg_unit_email_invalid',
                        email=self.email, unit=self.rec_name)) from exception

    def check_account_number(self):
        try:
            validate_account_number(self.account_number, self.country.code)
        except ValueError as exception:
            raise AccountNumberError(gettext(
                    'kontingent.msg_unit_account_number_invalid_%s'
                    % exception.args[0],
                    number=self.account_number,
                    unit=self.rec_name)) from exception

    def next_member_numbers(self, count):
        "Yield count new numbers from the organisation's member sequence"
        return self.root.member_sequence.get_many(count)

    @classmethod
    def copy(cls, units, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('kid_sequence')
        default.setdefault('products')
        default.setdefault('price_rules')
        default.setdefault('proration_rules')
        return super().copy(units, default=default)
