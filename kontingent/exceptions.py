# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class AccountNumberError(ValidationError):
    pass


class EmailError(ValidationError):
    pass


class MemberOrganisationError(ValidationError):
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


class PriceError(UserError):
    "A price can not be computed from the products and rules"


class ProrationRuleError(ValidationError):
    pass


class KIDSchemeError(ValidationError):
    pass


class BillingError(UserError):
    pass


class CourseError(ValidationError):
    pass


class ManualInvoiceError(UserError):
    pass


class CourseInvoiceError(UserError):
    pass


class DocumentColourError(ValidationError):
    pass


class OCRImportError(UserError):
    "An OCR Giro file that can not be imported"


class UnmatchedPaymentError(UserError):
    pass


class DeliveryError(UserError):
    "An invoice that can not be delivered as asked"


class ReminderProcedureError(ValidationError):
    "A reminder procedure that breaks the law of its country"


class ReminderError(UserError):
    pass


class PrintBatchError(UserError):
    "A print batch that can not be made as asked"
