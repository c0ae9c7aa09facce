# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The receivables overview as a spreadsheet (XLSX) or CSV rows.

The same rows go to `kontingent receivables --csv/--xlsx` and to the
spreadsheet staff get from the overview: one sheet of the invoices, one of
their balance per unit by age with a chart.  Dates are date cells and
amounts numbers with two decimals, so the sheets sum and sort as they are.
"""
import io
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report
from trytond.transaction import Transaction
from trytond.wizard import Button, StateReport, StateView, Wizard

from .receivable import BUCKETS

# (column, field of kontingent.receivable or kontingent.receivable.unit)
INVOICE_COLUMNS = [
    ('invoice', 'invoice'),
    ('payer', 'party'),
    ('unit', 'unit'),
    ('invoice_date', 'invoice_date'),
    ('due_date', 'due_date'),
    ('status', 'status'),
    ('amount', 'amount'),
    ('balance', 'balance'),
    ('days_overdue', 'bucket'),
    ('last_payment_date', 'last_payment_date'),
    ('currency', 'currency'),
    ]
UNIT_COLUMNS = [
    ('unit', 'unit'),
    ('invoices', 'invoices'),
    ('amount', 'amount'),
    ('balance', 'balance'),
    ('not_due', 'not_due'),
    *((name, name) for name, _, _ in BUCKETS),
    ('last_payment_date', 'last_payment_date'),
    ('currency', 'currency'),
    ]
AMOUNT_COLUMNS = {
    'amount', 'balance', 'not_due', *(name for name, _, _ in BUCKETS)}
AMOUNT_FORMAT = '#,##0.00'
DATE_FORMAT = 'yyyy-mm-dd'


def claim_rows(claims, status_labels=None):
    """Return a row of INVOICE_COLUMNS for each claim: the status by its
    key, or by its label from status_labels, the amounts with the digits of
    the currency whatever the database returns"""
    Receivable = Pool().get('kontingent.receivable')
    bucket = dict(Receivable.fields_get(['bucket'])['bucket']['selection'])
    rows = []
    for claim in claims:
        currency = claim.company.currency
        rows.append([
                claim.invoice.number or claim.invoice.kontingent_kid,
                claim.party.rec_name, claim.unit.rec_name,
                claim.invoice_date, claim.due_date,
                status_labels[claim.status] if status_labels
                else claim.status,
                currency.round(claim.amount), currency.round(claim.balance),
                bucket[claim.bucket] if claim.bucket else None,
                claim.last_payment_date,
                currency.code])
    return rows


def unit_rows(claims):
    """Return a row of UNIT_COLUMNS for each unit of the claims: their
    amounts summed as the overview per unit sums them"""
    totals = defaultdict(lambda: {
            'invoices': 0, 'last_payment_date': None,
            **{c: 0 for c in AMOUNT_COLUMNS}})
    for claim in claims:
        currency = claim.company.currency
        total = totals[claim.unit, currency.code]
        total['invoices'] += 1
        total['amount'] += currency.round(claim.amount)
        total['balance'] += currency.round(claim.balance)
        total[claim.bucket or 'not_due'] += currency.round(claim.balance)
        if claim.last_payment_date and (
                not total['last_payment_date']
                or claim.last_payment_date > total['last_payment_date']):
            total['last_payment_date'] = claim.last_payment_date
    rows = []
    for (unit, currency), total in sorted(
            totals.items(), key=lambda i: (i[0][0].rec_name, i[0][1])):
        total.update(unit=unit.rec_name, currency=currency)
        rows.append([total[c] for c, _ in UNIT_COLUMNS])
    return rows


def write_xlsx(sheets):
    """Return the XLSX file of sheets: (title, columns, header, rows,
    chart title) each, columns named as in INVOICE_COLUMNS or UNIT_COLUMNS.
    The header row is bold and frozen; a sheet with a chart title gets a
    stacked bar chart of its overdue buckets below the rows"""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, columns, header, rows, chart_title in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = 'A2'
        for row in rows:
            sheet.append(row)
        for index, (column, _) in enumerate(columns, 1):
            letter = sheet.cell(row=1, column=index).column_letter
            if column in AMOUNT_COLUMNS:
                number_format, width = AMOUNT_FORMAT, 14
            elif column.endswith('date'):
                number_format, width = DATE_FORMAT, 12
            else:
                number_format = None
                width = max([len(str(header[index - 1]))]
                    + [len(str(r[index - 1] or '')) for r in rows[:1000]])
                width = min(width + 2, 40)
            sheet.column_dimensions[letter].width = width
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index,
                        max_col=index):
                    cell.number_format = number_format
        if chart_title and rows:
            first = [c for c, _ in columns].index(BUCKETS[0][0]) + 1
            chart = BarChart()
            chart.type = 'col'
            chart.grouping = 'stacked'
            chart.overlap = 100
            chart.title = chart_title
            chart.add_data(Reference(sheet, min_col=first, min_row=1,
                    max_col=first + len(BUCKETS) - 1, max_row=len(rows) + 1),
                titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2,
                    max_row=len(rows) + 1))
            sheet.add_chart(
                chart, sheet.cell(row=len(rows) + 3, column=1).coordinate)
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def receivables_xlsx(claims, column_names=False):
    """Return the XLSX file of the claims and their totals per unit, headed
    by the field labels in the language of the context, or by the column
    names of the CSV export if column_names"""
    pool = Pool()
    Receivable = pool.get('kontingent.receivable')
    ReceivableUnit = pool.get('kontingent.receivable.unit')
    if column_names:
        invoice_header = [c for c, _ in INVOICE_COLUMNS]
        unit_header = [c for c, _ in UNIT_COLUMNS]
        status_labels = None
    else:
        invoice_fields = Receivable.fields_get(
            [f for _, f in INVOICE_COLUMNS])
        unit_fields = ReceivableUnit.fields_get([f for _, f in UNIT_COLUMNS])
        invoice_header = [
            invoice_fields[f]['string'] for _, f in INVOICE_COLUMNS]
        unit_header = [unit_fields[f]['string'] for _, f in UNIT_COLUMNS]
        status_labels = dict(invoice_fields['status']['selection'])
    return write_xlsx([
            (gettext('kontingent.msg_receivable_sheet_invoices'),
                INVOICE_COLUMNS, invoice_header,
                claim_rows(claims, status_labels), None),
            (gettext('kontingent.msg_receivable_sheet_units'),
                UNIT_COLUMNS, unit_header, unit_rows(claims),
                gettext('kontingent.msg_receivable_chart')),
            ])


class ReceivableSpreadsheet(Report):
    """The receivables of the overview as an XLSX file: the invoices listed,
    as of the date of the context, or those of the export wizard"""
    __name__ = 'kontingent.receivable.xlsx'

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Receivable = pool.get('kontingent.receivable')
        Unit = pool.get('kontingent.unit')
        if data.get('action_id') is not None:
            action = ActionReport(data['action_id'])
        else:
            action, = ActionReport.search([
                    ('report_name', '=', cls.__name__),
                    ])
        ids = list(map(int, ids))
        context = {}
        if 'date' in data:
            # From the export wizard: every invoice of its unit and date
            context = {'date': data['date'], 'company': data['company']}
        with Transaction().set_context(**context):
            cls.check_access(action, Receivable.__name__, ids)
            if 'date' in data:
                domain = []
                if data.get('unit'):
                    domain = [('unit', 'in', [u.id for u in Unit.search([
                                        ('parent', 'child_of', [data['unit']]),
                                        ])])]
                claims = Receivable.search(domain,
                    order=[('due_date', 'ASC'), ('id', 'ASC')])
            else:
                claims = Receivable.browse(ids)
            content = receivables_xlsx(claims)
            date = Transaction().context.get('date')
        name = action.name
        if date:
            name = f'{name}-{date.isoformat()}'
        return ('xlsx', content, False, name)


class ReceivableExportStart(ModelView):
    "Export Receivables"
    __name__ = 'kontingent.receivable.export.start'

    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date(
        "As of", required=True,
        help="Export what was open, paid and overdue on this date.")
    unit = fields.Many2One(
        'kontingent.unit', "Unit",
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="Only the invoices of this unit and its sub-units.\n"
        "Leave empty for every unit.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        return Transaction().context.get('date') or (
            Pool().get('ir.date').today())


class ReceivableExport(Wizard):
    "Export the receivables overview as a spreadsheet"
    __name__ = 'kontingent.receivable.export'

    start = StateView(
        'kontingent.receivable.export.start',
        'kontingent.receivable_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export', 'tryton-ok', default=True),
            ])
    export = StateReport('kontingent.receivable.xlsx')

    def do_export(self, action):
        return action, {
            'company': self.start.company.id,
            'date': self.start.date,
            'unit': self.start.unit.id if self.start.unit else None,
            }
