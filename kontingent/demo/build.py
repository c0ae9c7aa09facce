# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The demo organisations that `kontingent demo` loads.

Demoforbundet is a Norwegian union (NOK) with three local branches, its
members spread over Norway; Antenneforeningen Demo is a Danish antenna
association (DKK, a company of its own) whose households take TV packages.
Everything is drawn from one seeded random generator, so a seed always gives
the same members, and dated from the reference date passed in.
"""
import datetime
import random
from decimal import Decimal

from stdnum.dk import cvr
from stdnum.no import kontonr, orgnr

from trytond.pool import Pool
from trytond.transaction import Transaction

from ..period import add_months, age_at
from . import data

BATCH = 200

DEMO_UNIT = "Demoforbundet"
ANTENNA_UNIT = "Antenneforeningen Demo"

# (code, name, list price, period, dues category)
UNION_TYPES = [
    ('ORD', "Ordinært medlemskap", Decimal('5400'), 'year', 'ordinary'),
    ('STUD', "Studentmedlemskap", Decimal('300'), 'year', 'student'),
    ('LARL', "Lærlingmedlemskap", Decimal('480'), 'year', 'apprentice'),
    ('PENS', "Pensjonistmedlemskap", Decimal('900'), 'year', 'retired'),
    ('AERE', "Æresmedlemskap", Decimal('0'), 'year', 'honorary'),
    ]
UNION_ADDONS = [
    ('FORS', "Innboforsikring", Decimal('1200'), 'year'),
    ('BLAD', "Fagbladet på papir", Decimal('250'), 'year'),
    ]
ANTENNA_TYPES = [
    ('GRUND', "Grundpakke", Decimal('315'), 'quarter', 'household'),
    ('MELLEM', "Mellempakke", Decimal('825'), 'quarter', 'household'),
    ('FULD', "Fuldpakke", Decimal('1290'), 'quarter', 'household'),
    ]
ANTENNA_ADDONS = [
    ('BB100', "Bredbånd 100/20", Decimal('747'), 'quarter'),
    ('BOKS', "Ekstra tv-boks", Decimal('90'), 'quarter'),
    ('FILM', "Film+", Decimal('237'), 'quarter'),
    ]

# The branches and the counties whose members they organise
BRANCHES = [
    ('OSL', "Oslo og Østlandet",
        ('03', '31', '32', '33', '34', '39', '40', '42')),
    ('VEST', "Vestland",
        ('11', '15', '46')),
    ('NORD', "Trøndelag og Nord-Norge",
        ('18', '50', '55', '56')),
    ]


class Builder:
    "Creates the demo records in the current transaction"

    def __init__(self, date, seed, progress):
        self.date = date
        self.rng = random.Random(seed)
        self.progress = progress
        self.pool = Pool()

    def get(self, name, type='model'):
        return self.pool.get(name, type=type)

    def account_number(self, bank):
        "Return a valid Norwegian account number of the bank's 4 digits"
        while True:
            number = bank + ''.join(
                self.rng.choice('0123456789') for _ in range(7))
            if kontonr.is_valid(number):
                return number

    @staticmethod
    def first_valid(module, start):
        "Return the first number valid for module counting down from start"
        number = start
        while not module.is_valid(str(number)):
            number -= 1
        return str(number)

    # Geography -------------------------------------------------------

    def countries(self):
        Country = self.get('country.country')
        Subdivision = self.get('country.subdivision')
        PostalCode = self.get('country.postal_code')
        norway, denmark = self.find_or_create(Country, 'code', [
                {'code': 'NO', 'code3': 'NOR', 'code_numeric': '578',
                    'name': "Norway"},
                {'code': 'DK', 'code3': 'DNK', 'code_numeric': '208',
                    'name': "Denmark"},
                ])
        counties = Subdivision.create([{
                    'country': norway.id, 'code': f'NO-{code}',
                    'name': name, 'type': 'county'}
                for code, name in data.NO_COUNTIES])
        county_ids = {
            c.code[3:]: c.id for c in counties}
        municipalities = Subdivision.create([{
                    'country': norway.id, 'code': f'NO-{code}',
                    'name': name, 'type': 'municipality',
                    'parent': county_ids[county]}
                for code, name, county in data.NO_MUNICIPALITIES])
        regions = Subdivision.create([{
                    'country': denmark.id, 'code': f'DK-{code}',
                    'name': name, 'type': 'region'}
                for code, name in data.DK_REGIONS])
        region_ids = {r.code[3:]: r.id for r in regions}
        dk_municipalities = Subdivision.create([{
                    'country': denmark.id, 'code': f'DK-{code}',
                    'name': name, 'type': 'municipality',
                    'parent': region_ids[region]}
                for code, name, region in data.DK_MUNICIPALITIES])
        self.subdivisions = {
            s.code: s for s in (
                counties + municipalities + regions + dk_municipalities)}
        PostalCode.create([{
                    'country': norway.id, 'postal_code': code,
                    'city': city,
                    'subdivision': self.subdivisions[f'NO-{municipality}'].id}
                for code, city, municipality in data.NO_POSTAL_CODES] + [{
                    'country': denmark.id, 'postal_code': code,
                    'city': city,
                    'subdivision': self.subdivisions[f'DK-{municipality}'].id}
                for code, city, municipality in data.DK_POSTAL_CODES])
        self.norway, self.denmark = norway, denmark

    @staticmethod
    def find_or_create(Model, key, vlist):
        records = []
        for values in vlist:
            found = Model.search([(key, '=', values[key])], limit=1)
            records.extend(found or Model.create([values]))
        return records

    # Companies and accounting ----------------------------------------

    def currencies(self):
        Currency = self.get('currency.currency')
        return self.find_or_create(Currency, 'code', [
                {'code': 'NOK', 'name': "Norwegian Krone", 'symbol': 'kr',
                    'numeric_code': '578', 'rounding': Decimal('0.01'),
                    'digits': 2},
                {'code': 'DKK', 'name': "Danish Krone", 'symbol': 'kr.',
                    'numeric_code': '208', 'rounding': Decimal('0.01'),
                    'digits': 2},
                ])

    def company(self, name, currency, country, lang, identifier, address):
        Party = self.get('party.party')
        Company = self.get('company.company')
        User = self.get('res.user')
        Lang = self.get('ir.lang')
        street, postal_code, city = address
        lang, = Lang.search([('code', '=', lang)])
        party, = Party.create([{
                    'name': name,
                    'lang': lang.id,
                    'identifiers': [('create', [identifier])],
                    'addresses': [('create', [{
                                    'street': street,
                                    'postal_code': postal_code,
                                    'city': city,
                                    'country': country.id,
                                    }])],
                    }])
        company = Company(party=party, currency=currency)
        company.save()
        # The builder (root) and the demo's admin work in every company,
        # the last one created by default, and see the records of all.
        users = set(User.search([('login', '=', 'admin')]))
        users.add(User(Transaction().user))
        User.write(list(users), {
                'companies': [('add', [company.id])],
                'company': company.id,
                'company_filter': 'all',
                })
        with Transaction().set_context(
                company=company.id, companies=[company.id]):
            self.accounting(company)
        return company

    def accounting(self, company):
        "Give company a chart of accounts, fiscal years and a dues category"
        AccountTemplate = self.get('account.account.template')
        ModelData = self.get('ir.model.data')
        CreateChart = self.get('account.create_chart', type='wizard')
        session_id, _, _ = CreateChart.create()
        create_chart = CreateChart(session_id)
        create_chart.account.account_template = AccountTemplate(
            ModelData.get_id('account', 'account_template_root_en'))
        create_chart.account.company = company
        create_chart.transition_create_account()
        receivable = self.account(company, 'receivable', party_required=True)
        payable = self.account(company, 'payable', party_required=True)
        revenue = self.account(company, 'revenue')
        expense = self.account(company, 'expense')
        properties = create_chart.properties
        properties.company = company
        properties.account_receivable = receivable
        properties.account_payable = payable
        properties.category_account_revenue = revenue
        properties.category_account_expense = expense
        create_chart.transition_create_properties()
        for year in (self.date.year - 1, self.date.year, self.date.year + 1):
            self.fiscal_year(company, year)
        self.account_category = self.category(company, revenue, expense)

    def account(self, company, kind, party_required=False):
        "Return an open account of kind from company's chart"
        Account = self.get('account.account')
        domain = [
            (f'type.{kind}', '=', True),
            ('closed', '!=', True),
            ('company', '=', company.id),
            ]
        if party_required:
            domain.append(('party_required', '=', True))
        account, = Account.search(domain, limit=1)
        return account

    def fiscal_year(self, company, year):
        FiscalYear = self.get('account.fiscalyear')
        Sequence = self.get('ir.sequence.strict')
        SequenceType = self.get('ir.sequence.type')
        ModelData = self.get('ir.model.data')
        move_type = SequenceType(ModelData.get_id(
                'account', 'sequence_type_account_move'))
        invoice_type = SequenceType(ModelData.get_id(
                'account_invoice', 'sequence_type_account_invoice'))
        move_sequence, invoice_sequence = Sequence.create([{
                    'name': f"{year}", 'sequence_type': move_type.id,
                    'company': company.id,
                    }, {
                    'name': f"{year}", 'sequence_type': invoice_type.id,
                    'company': company.id, 'prefix': f'{year}-',
                    }])
        fiscalyear, = FiscalYear.create([{
                    'name': str(year),
                    'start_date': datetime.date(year, 1, 1),
                    'end_date': datetime.date(year, 12, 31),
                    'company': company.id,
                    'move_sequence': move_sequence.id,
                    'invoice_sequences': [('create', [{
                                    'company': company.id,
                                    'out_invoice_sequence':
                                    invoice_sequence.id,
                                    'out_credit_note_sequence':
                                    invoice_sequence.id,
                                    'in_invoice_sequence':
                                    invoice_sequence.id,
                                    'in_credit_note_sequence':
                                    invoice_sequence.id,
                                    }])],
                    }])
        FiscalYear.create_period([fiscalyear])

    def category(self, company, revenue, expense):
        Category = self.get('product.category')
        category, = Category.create([{
                    'name': f"Kontingent {company.rec_name}",
                    'accounting': True,
                    }])
        category.account_revenue = revenue
        category.account_expense = expense
        category.save()
        return category

    # Organisation ------------------------------------------------------

    def member_sequence(self, name, prefix):
        Sequence = self.get('ir.sequence')
        ModelData = self.get('ir.model.data')
        sequence, = Sequence.create([{
                    'name': name,
                    'sequence_type': ModelData.get_id(
                        'kontingent', 'sequence_type_member'),
                    'prefix': prefix,
                    'padding': 6,
                    'number_next': 1,
                    }])
        return sequence

    def kid_scheme(self, name, algorithm, length, member_digits):
        "Return the unit values of a KID scheme with its claim sequence"
        Sequence = self.get('ir.sequence')
        ModelData = self.get('ir.model.data')
        sequence, = Sequence.create([{
                    'name': f"KID {name}",
                    'sequence_type': ModelData.get_id(
                        'kontingent', 'sequence_type_kid'),
                    'number_next': 1,
                    }])
        return {
            'kid_algorithm': algorithm,
            'kid_length': length,
            'kid_member_digits': member_digits,
            'kid_sequence': sequence.id,
            }

    def products(self, unit, types, addons, extra=None):
        Template = self.get('product.template')
        Uom = self.get('product.uom')
        ModelData = self.get('ir.model.data')
        unit_uom = Uom(ModelData.get_id('product', 'uom_unit'))
        common = {
            'type': 'service',
            'default_uom': unit_uom.id,
            'kontingent_unit': unit.id,
            'account_category': self.account_category.id,
            }
        vlist = [dict(common, name=name, list_price=price,
                    kontingent_kind='membership', dues_period=period,
                    dues_category=category,
                    products=[('create', [{'suffix_code': code}])])
            for code, name, price, period, category in types]
        vlist += [dict(common, name=name, list_price=price,
                    kontingent_kind='addon', dues_period=period,
                    products=[('create', [{'suffix_code': code}])])
            for code, name, price, period in addons]
        vlist += extra or []
        with Transaction().set_context(company=unit.company.id):
            templates = Template.create(vlist)
        return {t.products[0].suffix_code: t.products[0] for t in templates}

    def reminder_procedure(
            self, unit, xml_id, code, fee_name, amount, hand_over_email):
        """Return the shipped reminder procedure xml_id with the unit's fee
        of amount on its letters to the member, its hand-over list sent to
        hand_over_email"""
        Procedure = self.get('account.dunning.procedure')
        Fee = self.get('account.dunning.fee')
        Level = self.get('account.dunning.level')
        Journal = self.get('account.journal')
        ModelData = self.get('ir.model.data')
        product = self.products(unit, [], [], extra=[{
                    'name': fee_name,
                    'type': 'service',
                    'default_uom': ModelData.get_id('product', 'uom_unit'),
                    'list_price': amount,
                    'account_category': self.account_category.id,
                    'products': [('create', [{'suffix_code': code}])],
                    }])[code]
        journal, = Journal.search([('code', '=', 'REV')], limit=1)
        fee, = Fee.create([{
                    'name': fee_name,
                    'product': product.id,
                    'journal': journal.id,
                    'compute_method': 'list_price',
                    }])
        procedure = Procedure(ModelData.get_id('kontingent', xml_id))
        with Transaction().set_context(company=unit.company.id):
            Level.write([l for l in procedure.levels
                    if l.reminder_kind not in {'hand_over', 'association'}],
                {'fee': fee.id})
            Level.write([l for l in procedure.levels
                    if l.reminder_kind in {'hand_over', 'association'}],
                {'notify_email': hand_over_email})
        return procedure

    def statement_journal(self, company, account_number):
        """Give company a bank account with account_number and a statement
        journal for it, so that OCR Giro files to it can be imported"""
        Party = self.get('party.party')
        Bank = self.get('bank')
        BankAccount = self.get('bank.account')
        Account = self.get('account.account')
        AccountType = self.get('account.account.type')
        AccountJournal = self.get('account.journal')
        StatementJournal = self.get('account.statement.journal')
        ModelData = self.get('ir.model.data')
        bank_party, = Party.create([{'name': "Demobanken"}])
        bank, = Bank.create([{'party': bank_party.id}])
        bank_account, = BankAccount.create([{
                    'bank': bank.id,
                    'owners': [('add', [company.party.id])],
                    'currency': company.currency.id,
                    'numbers': [('create', [{
                                    'type': 'other',
                                    'number': account_number,
                                    }])],
                    }])
        liabilities, = AccountType.search([
                ('company', '=', company.id),
                ('template', '=', ModelData.get_id('account',
                        'account_type_template_current_liabilities_en')),
                ])
        cash, = Account.search([
                ('company', '=', company.id), ('code', '=', '1.1.1')])
        unmatched, = Account.create([{
                    'name': "Uidentifiserte innbetalinger",
                    'code': '2.9',
                    'company': company.id,
                    'type': liabilities.id,
                    }])
        journal, = AccountJournal.search([('code', '=', 'STA')], limit=1)
        StatementJournal.create([{
                    'name': "OCR Giro",
                    'company': company.id,
                    'currency': company.currency.id,
                    'journal': journal.id,
                    'account': cash.id,
                    'validation': 'amount',
                    'bank_account': bank_account.id,
                    'kontingent_unmatched_account': unmatched.id,
                    }])

    def union(self, company):
        Unit = self.get('kontingent.unit')
        EmploymentStatus = self.get('kontingent.employment_status')
        self.statuses = {
            s.code: s for s in EmploymentStatus.search([])}
        root, = Unit.create([{
                    'name': DEMO_UNIT,
                    'code': 'DF',
                    'company': company.id,
                    'country': self.norway.id,
                    'party': company.party.id,
                    'email': 'post@demoforbundet.example.no',
                    'account_number': self.account_number('1503'),
                    'member_sequence': self.member_sequence(
                        DEMO_UNIT, '').id,
                    **self.kid_scheme(DEMO_UNIT, 'mod10', 12, 6),
                    }])
        self.statement_journal(company, root.account_number)
        self.branches = Unit.create([{
                    'name': name,
                    'code': code,
                    'parent': root.id,
                    'company': company.id,
                    'country': self.norway.id,
                    'email': f'{code.lower()}@demoforbundet.example.no',
                    'account_number': self.account_number('1503'),
                    } for code, name, _ in BRANCHES])
        self.branch_of_county = {
            county: branch
            for branch, (_, _, counties) in zip(self.branches, BRANCHES)
            for county in counties}
        self.union_products = self.products(
            root, UNION_TYPES, UNION_ADDONS, extra=[{
                    'name': "Innmeldingsavgift",
                    'type': 'service',
                    'default_uom': self.get('ir.model.data').get_id(
                        'product', 'uom_unit'),
                    'list_price': Decimal('200'),
                    'kontingent_kind': 'entry_fee',
                    'account_category': self.account_category.id,
                    'products': [('create', [{'suffix_code': 'INNM'}])],
                    }])
        root.entry_fee_product = self.union_products['INNM']
        root.dunning_procedure = self.reminder_procedure(
            root, 'procedure_norway', 'PURR', "Purregebyr", Decimal('35'),
            'inkasso@demoforbundet.example.no')
        root.save()
        self.union_rules(root)
        self.union_root = root
        return root

    def union_rules(self, root):
        PriceRule = self.get('kontingent.price.rule')
        ProrationRule = self.get('kontingent.proration.rule')
        ordinary = self.union_products['ORD']
        vest = self.branches[1]
        year = self.date.year
        PriceRule.create([{
                    'name': "Unge medlemmer under 26 år",
                    'sequence': 10, 'unit': root.id,
                    'product': ordinary.id, 'max_age': 25,
                    'result': 'percentage', 'percentage': Decimal(50),
                    }, {
                    'name': "Arbeidsledige",
                    'sequence': 20, 'unit': root.id,
                    'product': ordinary.id,
                    'employment_status': self.statuses['unemployed'].id,
                    'result': 'amount', 'amount': Decimal(600),
                    }, {
                    'name': "Nord-Norge-rabatt (Finnmark)",
                    'sequence': 30, 'unit': root.id,
                    'product': ordinary.id,
                    'location': self.subdivisions['NO-56'].id,
                    'result': 'percentage', 'percentage': Decimal(80),
                    }, {
                    'name': "Nord-Norge-rabatt (Troms)",
                    'sequence': 30, 'unit': root.id,
                    'product': ordinary.id,
                    'location': self.subdivisions['NO-55'].id,
                    'result': 'percentage', 'percentage': Decimal(90),
                    }, {
                    'name': "Vervekampanje høsten %s" % (year - 1),
                    'sequence': 40, 'unit': root.id,
                    'product': ordinary.id,
                    'join_date_from': datetime.date(year - 1, 9, 1),
                    'join_date_to': datetime.date(year - 1, 12, 31),
                    'result': 'product',
                    'alternative_product': self.union_products['STUD'].id,
                    }, {
                    'name': "Lokallagstillegg Vestland",
                    'sequence': 50, 'unit': vest.id,
                    'product': ordinary.id,
                    'result': 'amount', 'amount': Decimal(5700),
                    }])
        ProrationRule.create([{
                    'unit': root.id, 'period': 'year', 'after_months': 6,
                    'percentage': Decimal(50),
                    }, {
                    'unit': root.id, 'period': 'year', 'after_months': 9,
                    'percentage': Decimal(0),
                    }])

    def antenna(self, company):
        Unit = self.get('kontingent.unit')
        PriceRule = self.get('kontingent.price.rule')
        ProrationRule = self.get('kontingent.proration.rule')
        root, = Unit.create([{
                    'name': ANTENNA_UNIT,
                    'code': 'AF',
                    'company': company.id,
                    'country': self.denmark.id,
                    'party': company.party.id,
                    'email': 'kasserer@antenneforeningen.example.dk',
                    'account_number': '7600' + ''.join(
                        self.rng.choice('0123456789') for _ in range(10)),
                    # Members pay by FI-kort (+71) to the association's
                    # creditor number
                    'fik_creditor_number': '85412376',
                    'member_sequence': self.member_sequence(
                        ANTENNA_UNIT, 'A').id,
                    'legal_invoice_number': True,
                    # An FI-kort +71 payment id is a 15-digit MOD10 KID
                    **self.kid_scheme(ANTENNA_UNIT, 'mod10', 15, 6),
                    }])
        self.antenna_products = self.products(
            root, ANTENNA_TYPES, ANTENNA_ADDONS)
        root.dunning_procedure = self.reminder_procedure(
            root, 'procedure_denmark', 'RYKK', "Rykkergebyr", Decimal('100'),
            'bestyrelsen@antenneforeningen.example.dk')
        root.save()
        PriceRule.create([{
                    'name': "Pensionistrabat grundpakke",
                    'sequence': 10, 'unit': root.id,
                    'product': self.antenna_products['GRUND'].id,
                    'min_age': 67,
                    'result': 'amount', 'amount': Decimal(280),
                    }])
        ProrationRule.create([{
                    'unit': root.id, 'period': 'quarter', 'after_months': 1,
                    'percentage': Decimal('66.67'),
                    }, {
                    'unit': root.id, 'period': 'quarter', 'after_months': 2,
                    'percentage': Decimal('33.33'),
                    }])
        self.antenna_root = root
        return root

    # Members -----------------------------------------------------------

    def employers(self):
        Party = self.get('party.party')
        return Party.create([{
                    'name': name,
                    'identifiers': [('create', [{
                                    'type': 'no_orgnr', 'code': orgnr}])],
                    } for name, orgnr in data.NO_EMPLOYERS])

    def employment(self, age):
        rng = self.rng
        if age >= 67:
            return 'retired'
        if age <= 20 and rng.random() < 0.35:
            return 'apprentice'
        if age <= 25 and rng.random() < 0.45:
            return 'student'
        return rng.choices(
            ['employed', 'unemployed', 'self_employed', 'disabled'],
            [90, 4, 4, 2])[0]

    def join_date(self, birth_date):
        "Return a join date after the 16th birthday, mostly years ago"
        earliest = max(
            add_months(birth_date, 16 * 12), self.date.replace(year=1980))
        span = (self.date - earliest).days
        if span <= 0:
            return self.date
        return self.date - datetime.timedelta(
            days=int(span * self.rng.random()))

    def norwegian_members(self, count):
        rng = self.rng
        employers = self.employers()
        people = [data.norwegian_person(rng, self.date) for _ in range(count)]
        type_of_status = {
            'student': 'STUD', 'apprentice': 'LARL', 'retired': 'PENS'}
        vlist, plans = [], []
        for person in people:
            age = age_at(person['birth_date'], self.date)
            status = self.employment(age)
            honorary = age >= 60 and rng.random() < 0.03
            product = ('AERE' if honorary
                else type_of_status.get(status, 'ORD'))
            branch = self.branch_of_county[person['county']]
            contacts = [{'type': 'mobile', 'value': person['phone']}]
            if person['email']:
                contacts.append({'type': 'email', 'value': person['email']})
            vlist.append({
                    'name': person['name'],
                    'lang': self.lang_nb.id,
                    'addresses': [('create', [{
                                    'street': person['street'],
                                    'postal_code': person['postal_code'],
                                    'city': person['city'],
                                    'country': self.norway.id,
                                    'subdivision': self.subdivisions[
                                        f"NO-{person['municipality']}"].id,
                                    }])],
                    'identifiers': [('create', [{
                                    'type': 'no_fodselsnummer',
                                    'code': person['fodselsnummer'],
                                    }])],
                    'contact_mechanisms': [('create', contacts)],
                    'member_unit': branch.id,
                    'employment_status': self.statuses[status].id,
                    'employer': (rng.choice(employers).id
                        if status == 'employed' else None),
                    'delivery_channel': (
                        'email' if person['email'] else 'paper'),
                    'member_free': honorary,
                    'join_date': self.join_date(person['birth_date']),
                    })
            plans.append((branch, self.union_products[product]))
        members = self.create_parties(vlist, "Demoforbundet")
        addons = [self.union_products['FORS'], self.union_products['BLAD']]
        self.memberships(
            members, plans, addons, [0.3, 0.1], "Demoforbundet")
        self.payers(members)
        return members

    def payers(self, members):
        "Let parents pay for some young members and employers for a few"
        Party = self.get('party.party')
        Membership = self.get('kontingent.membership')
        young = [m for m in members
            if m.birth_date and age_at(m.birth_date, self.date) <= 20]
        paid_by_parent = young[:max(1, len(young) // 5)]
        parents = Party.create([{
                    'name': "%s %s" % (
                        self.rng.choice(data.NO_FIRST_NAMES_FEMALE
                            + data.NO_FIRST_NAMES_MALE),
                        member.name.split()[-1]),
                    'lang': self.lang_nb.id,
                    'addresses': [('create', [{
                                    'street': address.street,
                                    'postal_code': address.postal_code,
                                    'city': address.city,
                                    'country': self.norway.id,
                                    'subdivision': address.subdivision.id,
                                    }])],
                    } for member in paid_by_parent
                for address in [member.addresses[0]]])
        updates = []
        for member, parent in zip(paid_by_parent, parents):
            member.member_payer = parent
            updates.append(member)
        employed = [m for m in members if m.employer][:10]
        for member in employed:
            member.member_payer = member.employer
            updates.append(member)
        Party.save(updates)
        memberships = Membership.search([
                ('party', 'in', [m.id for m in updates])])
        for membership in memberships:
            membership.payer = membership.party.member_payer
        Membership.save(memberships)

    def danish_households(self, count):
        rng = self.rng
        vlist, plans = [], []
        packages = [self.antenna_products[c]
            for c in ('GRUND', 'MELLEM', 'FULD')]
        for _ in range(count):
            household = data.danish_household(rng, self.date)
            contacts = [{'type': 'phone', 'value': household['phone']}]
            if household['email']:
                contacts.append(
                    {'type': 'email', 'value': household['email']})
            vlist.append({
                    'name': household['name'],
                    'lang': self.lang_da.id,
                    'birth_date': household['birth_date'],
                    'addresses': [('create', [{
                                    'street': household['street'],
                                    'postal_code': household['postal_code'],
                                    'city': household['city'],
                                    'country': self.denmark.id,
                                    'subdivision': self.subdivisions[
                                        f"DK-{household['municipality']}"].id,
                                    }])],
                    'contact_mechanisms': [('create', contacts)],
                    'member_unit': self.antenna_root.id,
                    'delivery_channel': (
                        'email' if household['email'] else 'paper'),
                    'join_date': self.join_date(household['birth_date']),
                    })
            plans.append((
                    self.antenna_root,
                    rng.choices(packages, [40, 35, 25])[0]))
        households = self.create_parties(vlist, "Antenneforeningen")
        addons = [self.antenna_products[c] for c in ('BB100', 'BOKS', 'FILM')]
        self.memberships(
            households, plans, addons, [0.2, 0.1, 0.15], "Antenneforeningen")
        return households

    def create_parties(self, vlist, label):
        Party = self.get('party.party')
        parties = []
        self.progress(f"{label}: members", 0, len(vlist))
        for start in range(0, len(vlist), BATCH):
            parties += Party.create(vlist[start:start + BATCH])
            self.progress(f"{label}: members", len(parties), len(vlist))
        return parties

    def memberships(self, parties, plans, addons, addon_rates, label):
        """Give each party a membership of its planned type

        Most are active; a few ended with a reason, a few are suspended for
        unpaid dues and a few are applications still in draft.
        """
        Membership = self.get('kontingent.membership')
        WithdrawalReason = self.get('kontingent.withdrawal_reason')
        reasons = WithdrawalReason.search([])
        rng = self.rng
        vlist, fates = [], []
        for party, (unit, product) in zip(parties, plans):
            fate = rng.choices(
                ['active', 'ended', 'suspended', 'draft'], [93, 5, 1, 1])[0]
            start_date = party.join_date
            if fate == 'draft':
                start_date = self.date
            vlist.append({
                    'party': party.id,
                    'unit': unit.id,
                    'product': product.id,
                    'start_date': start_date,
                    'addons': [('create', [
                                {'product': addon.id}
                                for addon, rate in zip(addons, addon_rates)
                                if rng.random() < rate])],
                    })
            fates.append(fate)
        memberships = []
        self.progress(f"{label}: memberships", 0, len(vlist))
        for start in range(0, len(vlist), BATCH):
            memberships += Membership.create(vlist[start:start + BATCH])
            self.progress(f"{label}: memberships", len(memberships),
                len(vlist))
        to_activate = [m for m, f in zip(memberships, fates) if f != 'draft']
        for start in range(0, len(to_activate), BATCH):
            # Members of long standing: their earlier dues are history
            with Transaction().set_context(kontingent_skip_billing=True):
                Membership.activate(to_activate[start:start + BATCH])
            self.progress(f"{label}: activation",
                min(start + BATCH, len(to_activate)), len(to_activate))
        Membership.suspend(
            [m for m, f in zip(memberships, fates) if f == 'suspended'])
        for membership, fate in zip(memberships, fates):
            if fate == 'ended':
                end_date = max(
                    membership.start_date,
                    self.date - datetime.timedelta(
                        days=rng.randrange(1, 700)))
                Membership.terminate(
                    [membership], end_date, rng.choice(reasons))

    def build(self, members, households):
        Lang = self.get('ir.lang')
        self.lang_nb, = Lang.search([('code', '=', 'nb')])
        self.lang_da, = Lang.search([('code', '=', 'da')])
        self.progress("Countries and postal codes", 0, 1)
        self.countries()
        nok, dkk = self.currencies()
        self.progress("Companies and accounts", 0, 2)
        antenna_company = self.company(
            ANTENNA_UNIT, dkk, self.denmark, 'da',
            {'type': 'dk_vat', 'code': self.first_valid(cvr, 29999999)},
            ("Algade 1", '6950', "Ringkøbing"))
        self.antenna(antenna_company)
        union_company = self.company(
            DEMO_UNIT, nok, self.norway, 'nb',
            {'type': 'no_orgnr',
                'code': self.first_valid(orgnr, 999999999)},
            ("Youngs gate 11", '0181', "Oslo"))
        self.union(union_company)
        self.progress("Companies and accounts", 2, 2)
        self.norwegian_members(members)
        self.danish_households(households)
        self.billing_run(self.branches[1])
        # The demo is configured: staff land in the menus, not in the wizard
        ConfigItem = self.get('ir.module.config_wizard.item')
        ConfigItem.write(ConfigItem.search([]), {'state': 'done'})

    def billing_run(self, unit):
        """Bill this year's dues of unit, as the unit did in January, so
        that next year's run has a run to compare with"""
        Run = self.get('kontingent.billing.run')
        Line = self.get('kontingent.billing.line')
        year_start = self.date.replace(month=1, day=1)
        run = Run(
            company=unit.company, unit=unit, billing_date=year_start,
            invoice_date=year_start + datetime.timedelta(days=9),
            due_date=year_start + datetime.timedelta(days=30))
        run.save()
        with Transaction().set_context(company=unit.company.id):
            Run.calculate([run])
            Run.start_processing([run])
            batches = run.batches()
            for number, batch in enumerate(batches, 1):
                Line.bill(batch)
                self.progress(
                    f"{unit.name}: billing {year_start.year}",
                    number, len(batches))
            Run.finish([run])


def build(date, members=2000, households=500, seed=1, progress=None):
    """Build the demo organisations in the current transaction

    Refuses to run twice on one database: the demo is rebuilt by dropping
    the database.
    """
    Unit = Pool().get('kontingent.unit')
    if Unit.search([('name', '=', DEMO_UNIT)], limit=1):
        raise ValueError(f"the database already holds {DEMO_UNIT}")
    builder = Builder(date, seed, progress or (lambda *args: None))
    builder.build(members, households)
    return builder
