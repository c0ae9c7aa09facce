# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import unittest

from trytond.modules.company.tests import (
    CompanyTestMixin, PartyCompanyCheckEraseMixin, create_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, activate_module, backup_db_cache, drop_db,
    restore_db_cache, with_transaction)
from trytond.transaction import Transaction

from ..exceptions import AccountNumberError


class KontingentTestCase(
        PartyCompanyCheckEraseMixin, PartyCheckReplaceMixin,
        CompanyTestMixin, ModuleTestCase):
    "Test Kontingent module"
    module = 'kontingent'


del ModuleTestCase


class KontingentNorwegianTestCase(unittest.TestCase):
    "Messages reach Norwegian and Danish users in their language"

    @classmethod
    def setUpClass(cls):
        "Load the translations the way trytond-admin -l nb da does"
        cache_name = 'kontingent--nb-da'
        drop_db()
        if restore_db_cache(cache_name):
            return
        activate_module('kontingent')
        with Transaction().start(DB_NAME, 0, close=True) as transaction:
            Lang = Pool().get('ir.lang')
            Lang.write(Lang.search([('code', 'in', ['nb', 'da'])]), {
                    'translatable': True,
                    })
            transaction.commit()
        Pool(DB_NAME).init(update=['kontingent'], lang=['nb', 'da'])
        backup_db_cache(cache_name)

    @classmethod
    def tearDownClass(cls):
        drop_db()

    def check_bad_account_number(self, language, expected):
        pool = Pool()
        Unit = pool.get('kontingent.unit')
        Country = pool.get('country.country')
        Sequence = pool.get('ir.sequence')
        SequenceType = pool.get('ir.sequence.type')
        norway, = Country.create([{'name': "Norway", 'code': 'NO'}])
        member_type, = SequenceType.search([('name', '=', "Member")])
        sequence, = Sequence.create([{
                    'name': "Members", 'sequence_type': member_type.id}])
        with Transaction().set_context(language=language):
            with self.assertRaises(AccountNumberError) as context:
                Unit.create([{
                            'name': "Demoforbundet",
                            'company': create_company().id,
                            'country': norway.id,
                            'account_number': '15031234567',
                            'member_sequence': sequence.id,
                            }])
        self.assertIn(expected, context.exception.message)

    @with_transaction()
    def test_message_nb(self):
        "A wrong check digit is explained in Norwegian"
        self.check_bad_account_number('nb', "kontrollsiffer")

    @with_transaction()
    def test_message_da(self):
        "A wrong check digit is explained in Danish"
        self.check_bad_account_number('da', "kontrolciffer")
