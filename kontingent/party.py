# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from collections import defaultdict
from decimal import Decimal

from stdnum.dk import cpr
from stdnum.exceptions import (
    InvalidChecksum, InvalidComponent, InvalidLength)
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.no import fodselsnummer

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice

from .exceptions import BirthDateError, NationalIdentifierError
from .membership import shown_date
from .period import age_at

NATIONAL_IDENTIFIERS = {
    'no_fodselsnummer': fodselsnummer,
    'dk_cpr': cpr,
    }

IDENTIFIER_ERROR_REASONS = [
    (InvalidLength, 'length'),
    (InvalidChecksum, 'checksum'),
    (InvalidComponent, 'date'),
    ]

DELIVERY_CHANNELS = [
    ('email', "E-mail"),
    ('paper', "Paper"),
    ('portal', "Portal Only"),
    ('efaktura', "eFaktura"),
    ('avtalegiro', "AvtaleGiro"),
    ('betalingsservice', "Betalingsservice"),
    ('payroll', "Payroll Deduction"),
    ]


class EmploymentStatus(DeactivableMixin, ModelSQL, ModelView):
    "Employment Status"
    __name__ = 'kontingent.employment_status'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'kontingent.msg_employment_status_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    member_unit = fields.Many2One(
        'kontingent.unit', "Home Unit", ondelete='RESTRICT',
        help="The local unit the member belongs to.")
    member_organisation = fields.Many2One(
        'kontingent.unit', "Organisation", readonly=True,
        ondelete='RESTRICT',
        help="The top unit whose sequence numbers the member.")
    member_number = fields.Char(
        "Member Number", readonly=True,
        states={
            'invisible': ~Eval('member_unit'),
            })
    birth_date = fields.Date(
        "Birth Date",
        help="Derived from the fødselsnummer or CPR number when the party "
        "has one.")
    member_age = fields.Function(
        fields.Integer("Age"), 'get_member_age')
    employment_status = fields.Many2One(
        'kontingent.employment_status', "Employment Status",
        ondelete='RESTRICT')
    employer = fields.Many2One(
        'party.party', "Employer", ondelete='RESTRICT',
        domain=[
            ('id', '!=', Eval('id', -1)),
            ])
    delivery_channel = fields.Selection(
        DELIVERY_CHANNELS, "Delivery Channel",
        help="How the member receives invoices and reminders.")
    member_payer = fields.Many2One(
        'party.party', "Payer", ondelete='RESTRICT',
        domain=[
            ('id', '!=', Eval('id', -1)),
            ],
        help="Who pays the member's dues by default, "
        "e.g. a parent or the household.")
    join_date = fields.Date(
        "Join Date",
        states={
            'invisible': ~Bool(Eval('member_unit')),
            })
    member_free = fields.Boolean(
        "Free Membership",
        states={
            'invisible': ~Bool(Eval('member_unit')),
            },
        help="Honorary and other free members pay no dues.")
    memberships = fields.One2Many(
        'kontingent.membership', 'party', "Memberships",
        states={
            'invisible': ~Bool(Eval('member_unit')),
            })
    member_of_user_companies = fields.Function(
        fields.Boolean("Member in User's Companies"),
        'get_member_of_user_companies',
        searcher='search_member_of_user_companies')
    member_price = fields.Function(
        fields.Numeric("Dues", digits=(16, 2),
            states={
                'invisible': ~Bool(Eval('member_unit')),
                },
            help="The dues of the member's active memberships for the "
            "periods holding today."),
        'get_member_price')
    member_price_trace = fields.Function(
        fields.Text("Dues Explanation",
            states={
                'invisible': ~Bool(Eval('member_unit')),
                }),
        'get_member_price')
    member_location = fields.Function(
        fields.Many2One('country.subdivision', "Location"),
        'get_member_location')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('member_number_unique',
                Unique(t, t.member_organisation, t.member_number),
                'kontingent.msg_member_number_unique'),
            ]

    @classmethod
    def default_delivery_channel(cls):
        return 'email'

    @classmethod
    def default_member_free(cls):
        return False

    def get_member_age(self, name):
        if self.birth_date:
            return age_at(self.birth_date, shown_date())

    def get_member_of_user_companies(self, name):
        pool = Pool()
        User = pool.get('res.user')
        return bool(self.member_organisation
            and self.member_organisation.company.id in User.get_companies())

    @classmethod
    def search_member_of_user_companies(cls, name, clause):
        "Members of the organisations of the companies the user works in"
        pool = Pool()
        User = pool.get('res.user')
        _, operator, value = clause
        domain = [
            ('member_organisation.company', 'in', User.get_companies()),
            ]
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    @classmethod
    def get_member_price(cls, parties, names):
        date = shown_date()
        result = {name: {} for name in names}
        for party in parties:
            totals, texts = defaultdict(Decimal), []
            for membership in party.memberships:
                if (membership.state != 'active'
                        or not membership.is_active_on(date)):
                    continue
                price, trace = membership.price_and_explanation(date)
                if price is not None:
                    totals[membership.currency] += price
                texts.append(membership.rec_name + '\n' + trace)
            # Dues in two currencies have no total; the text shows both
            total = (
                next(iter(totals.values())) if len(totals) == 1 else None)
            if 'member_price' in names:
                result['member_price'][party.id] = total
            if 'member_price_trace' in names:
                result['member_price_trace'][party.id] = (
                    '\n\n'.join(texts) or None)
        return result

    @classmethod
    def get_member_location(cls, parties, name):
        """Return the subdivision of each party's address, looked up by
        postal code for all of them at once"""
        pool = Pool()
        PostalCode = pool.get('country.postal_code')
        locations = {}
        by_postal_code = defaultdict(list)
        for party in parties:
            locations[party.id] = None
            address = party.address_get()
            if not address:
                continue
            if address.subdivision:
                locations[party.id] = address.subdivision.id
            elif address.country and address.postal_code:
                key = (address.country.id, address.postal_code.strip())
                by_postal_code[key].append(party.id)
        subdivisions = {}
        for keys in grouped_slice(
                list(by_postal_code), backend.MAX_QUERY_PARAMS // 2):
            keys = list(keys)
            for postal_code in PostalCode.search([
                        ('country', 'in', list({c for c, _ in keys})),
                        ('postal_code', 'in', list({p for _, p in keys})),
                        ('subdivision', '!=', None),
                        ]):
                subdivisions.setdefault(
                    (postal_code.country.id, postal_code.postal_code),
                    postal_code.subdivision.id)
        for key, party_ids in by_postal_code.items():
            for party_id in party_ids:
                locations[party_id] = subdivisions.get(key)
        return locations

    @property
    def national_identifier(self):
        for identifier in self.identifiers:
            if identifier.type in NATIONAL_IDENTIFIERS:
                return identifier

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode in {'create', 'write'} and (
                field_names is None or 'member_unit' in field_names):
            cls.number_members(parties)

    @classmethod
    def number_members(cls, parties):
        "Give members their organisation and a number from its sequence"
        to_number = defaultdict(list)
        for party in parties:
            if not party.member_unit:
                continue
            organisation = party.member_unit.root
            if (party.member_organisation != organisation
                    or not party.member_number):
                to_number[organisation].append(party)
        for organisation, members in to_number.items():
            numbers = organisation.next_member_numbers(len(members))
            for party, number in zip(members, numbers):
                party.member_organisation = organisation
                party.member_number = number
        cls.save(sum(to_number.values(), []))

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        if field_names & {'birth_date', 'identifiers'}:
            for party in parties:
                party.check_birth_date()

    def check_birth_date(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        identifier = self.national_identifier
        if identifier and self.birth_date != identifier.derived_birth_date:
            lang = Lang.get()
            raise BirthDateError(gettext(
                    'kontingent.msg_party_birth_date_mismatch',
                    party=self.rec_name,
                    birth_date=(
                        lang.strftime(self.birth_date)
                        if self.birth_date else ''),
                    derived=lang.strftime(identifier.derived_birth_date),
                    code=identifier.code))

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('member_number')
        default.setdefault('member_organisation')
        default.setdefault('memberships')
        return super().copy(parties, default=default)


class PartyIdentifier(metaclass=PoolMeta):
    __name__ = 'party.identifier'

    @property
    def derived_birth_date(self):
        module = NATIONAL_IDENTIFIERS.get(self.type)
        if module and module.is_valid(self.code):
            return module.get_birth_date(self.code)

    @fields.depends('type', 'party', 'code')
    def check_code(self):
        module = NATIONAL_IDENTIFIERS.get(self.type)
        if not module:
            super().check_code()
            return
        try:
            module.validate(self.code)
        except StdnumValidationError as exception:
            reason = next(
                (r for e, r in IDENTIFIER_ERROR_REASONS
                    if isinstance(exception, e)), 'format')
            party = (
                self.party.rec_name
                if self.party and self.party.id > 0 else '')
            raise NationalIdentifierError(gettext(
                    f'kontingent.msg_national_identifier_invalid_{reason}',
                    type=self.type_string, code=self.code,
                    party=party)) from exception

    @classmethod
    def on_modification(cls, mode, identifiers, field_names=None):
        pool = Pool()
        Party = pool.get('party.party')
        super().on_modification(mode, identifiers, field_names=field_names)
        if mode != 'delete':
            # Fill an empty birth date only: a different one is refused by
            # the party's check instead of being overwritten silently.
            parties = []
            for identifier in identifiers:
                birth_date = identifier.derived_birth_date
                if birth_date and not identifier.party.birth_date:
                    identifier.party.birth_date = birth_date
                    parties.append(identifier.party)
            Party.save(parties)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('kontingent.membership', 'party'),
            ('kontingent.membership', 'payer'),
            ('kontingent.unit', 'party'),
            ('party.party', 'member_payer'),
            ('party.party', 'employer'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        return super().to_erase(party_id) + [
            (Party, [('id', '=', party_id)], True,
                ['birth_date', 'employment_status', 'employer',
                    'member_payer'],
                [None, None, None, None]),
            ]
