# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import (
    CompanyTestMixin, PartyCompanyCheckEraseMixin)
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.tests.test_tryton import ModuleTestCase


class KontingentTestCase(
        PartyCompanyCheckEraseMixin, PartyCheckReplaceMixin,
        CompanyTestMixin, ModuleTestCase):
    "Test Kontingent module"
    module = 'kontingent'


del ModuleTestCase
