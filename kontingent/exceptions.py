# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import ValidationError


class AccountNumberError(ValidationError):
    pass


class EmailError(ValidationError):
    pass


class NationalIdentifierError(ValidationError):
    pass


class BirthDateError(ValidationError):
    pass


class MembershipError(ValidationError):
    pass


class MembershipUnitError(ValidationError):
    pass


class PriceRuleError(ValidationError):
    pass


class ProrationRuleError(ValidationError):
    pass
