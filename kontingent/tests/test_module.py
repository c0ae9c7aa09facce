# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import os
import unittest

import polib

from trytond.modules.company.tests import (
    CompanyTestMixin, PartyCompanyCheckEraseMixin, create_company)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..exceptions import AccountNumberError
from .tools import TranslatedDatabase


class KontingentTestCase(
        PartyCompanyCheckEraseMixin, PartyCheckReplaceMixin,
        CompanyTestMixin, ModuleTestCase):
    "Test Kontingent module"
    module = 'kontingent'


del ModuleTestCase


def unloaded_entries(language, po_path=None):
    """Return the entries of the module's .po file for language that
    trytond-admin does not load, or loads for no string of the module, as
    its Clean Translations wizard judges them: 'msgctxt "msgid"' each"""
    pool = Pool()
    Translation = pool.get('ir.translation')
    ModelData = pool.get('ir.model.data')
    Clean = pool.get('ir.translation.clean', type='wizard')
    if po_path is None:
        po_path = os.path.join(
            os.path.dirname(__file__), '..', 'locale', f'{language}.po')
    records = {}
    for data in ModelData.search([]):
        for model in [data.model, *Translation.extra_model_data(data)]:
            records[model, f'{data.module}.{data.fs_id}'] = data.db_id
    loaded = {}
    for translation in Translation.search([
                ('lang', '=', language),
                ('module', '=', 'kontingent'),
                ]):
        src = translation.src if translation.type != 'model' else None
        loaded[translation.type, translation.name, translation.res_id,
            src] = translation
    unloaded = []
    for entry in polib.pofile(po_path):
        new, fs_id = Translation.from_poentry(entry)
        res_id = -1
        if fs_id:
            if '.' not in fs_id:
                fs_id = f'kontingent.{fs_id}'
            res_id = records.get((new.name.split(',')[0], fs_id))
        translation = loaded.get((new.type, new.name, res_id,
                new.src if new.type != 'model' else None))
        if (not translation or translation.value != new.value
                or getattr(Clean, f'_clean_{new.type}')(translation)):
            unloaded.append(f'{entry.msgctxt} "{entry.msgid}"')
    return unloaded


class KontingentNorwegianTestCase(TranslatedDatabase, unittest.TestCase):
    "Messages reach Norwegian and Danish users in their language"

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
    def test_translations_loaded(self):
        "Every entry of nb.po and da.po translates a string of the module"
        for language in ['nb', 'da']:
            with self.subTest(language=language):
                self.assertEqual(unloaded_entries(language), [])

    @with_transaction()
    def test_message_nb(self):
        "A wrong check digit is explained in Norwegian"
        self.check_bad_account_number('nb', "kontrollsiffer")

    @with_transaction()
    def test_message_da(self):
        "A wrong check digit is explained in Danish"
        self.check_bad_account_number('da', "kontrolciffer")
