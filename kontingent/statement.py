# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval


class StatementJournal(metaclass=PoolMeta):
    __name__ = 'account.statement.journal'

    kontingent_unmatched_account = fields.Many2One(
        'account.account', "Unmatched Payments Account",
        ondelete='RESTRICT',
        domain=[
            ('type', '!=', None),
            ('closed', '!=', True),
            ('company', '=', Eval('company', -1)),
            ('party_required', '=', False),
            ],
        help="Where OCR Giro payments that match no open invoice are "
        "posted until staff match or refund them.")


class Statement(metaclass=PoolMeta):
    __name__ = 'account.statement'

    kontingent_ocr_file = fields.Many2One(
        'kontingent.ocr.file', "OCR Giro File", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('kontingent_ocr_file'),
            })


class StatementOrigin(metaclass=PoolMeta):
    __name__ = 'account.statement.origin'

    kontingent_kid = fields.Char(
        "KID", readonly=True,
        states={
            'invisible': ~Eval('kontingent_kid'),
            })
    kontingent_reversal_of = fields.Many2One(
        'account.statement.origin', "Reversal Of", readonly=True,
        ondelete='RESTRICT',
        states={
            'invisible': ~Eval('kontingent_reversal_of'),
            },
        help="The payment this reversal undoes.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kontingent_kid.search_unaccented = False


class StatementImportStart(metaclass=PoolMeta):
    __name__ = 'account.statement.import.start'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.file_format.selection.append(('ocr_giro', "OCR Giro"))


class StatementImport(metaclass=PoolMeta):
    __name__ = 'account.statement.import'

    def parse_ocr_giro(self):
        """Return the statements of the OCR Giro file, matched and posted

        They are posted here, in the transaction that records the file,
        so that a file is counted once or not at all."""
        OCRFile = Pool().get('kontingent.ocr.file')
        ocr_file = OCRFile.import_file(self.start.company, self.start.file_)
        return list(ocr_file.statements)
