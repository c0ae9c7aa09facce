# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The `kontingent` command: membership billing from scripts and cron.

This is the outermost layer: it reads the trytond configuration, the clock
and the command line, and hands dates and numbers to the module.
"""
import argparse
import datetime
import os
import sys
import time

LANGUAGES = ['en', 'nb', 'da']


class CommandError(Exception):
    "A problem the user can fix, reported without a traceback"


class Progress:
    "A one-line progress bar on a terminal, plain lines elsewhere"

    def __init__(self, stream=sys.stderr, width=30):
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self.label = None
        self.started = time.monotonic()

    def __call__(self, label, done, total):
        if label != self.label:
            if self.label is not None and self.tty:
                self.stream.write('\n')
            self.label = label
            self.started = time.monotonic()
        filled = self.width * done // total if total else self.width
        bar = '#' * filled + '.' * (self.width - filled)
        elapsed = time.monotonic() - self.started
        line = f'{label:<32} [{bar}] {done}/{total} {elapsed:6.1f}s'
        if self.tty:
            self.stream.write('\r' + line)
        elif done == total:
            self.stream.write(line + '\n')
        self.stream.flush()

    def close(self):
        if self.label is not None and self.tty:
            self.stream.write('\n')
        self.label = None


def parse_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date of the form YYYY-MM-DD")


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of 0 or more")
    return value


def load_config(path):
    from trytond.config import config
    path = path or os.environ.get('TRYTOND_CONFIG')
    if path and not os.path.isfile(path):
        raise CommandError(f"configuration file {path} does not exist")
    config.update_etc(path)
    return config


def in_transaction(database, function, *args, **context):
    """Return function(*args) run in a transaction on database as root

    Tryton asks for a new attempt when a table lock is needed after the
    transaction started; the attempt is repeated with the lock taken.
    """
    from trytond.transaction import Transaction, TransactionError

    extras = {}
    while True:
        with Transaction().start(database, 0, **extras) as transaction, \
                transaction.set_context(**context):
            try:
                return function(*args)
            except TransactionError as exception:
                transaction.rollback()
                exception.fix(extras)


def open_database(name, admin_password=None):
    """Return the Pool of database name, creating and activating the module
    when the database is new"""
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        if name not in transaction.database.list():
            transaction.database.create(transaction.connection, name)
    database = backend.Database(name)
    database.connect()
    created = not database.test()
    if created:
        database.init()
    pool = Pool(name)
    pool.init(
        update=['kontingent'] if created else None,
        lang=LANGUAGES if created else None,
        activatedeps=True)
    if created:
        in_transaction(name, _set_up_database, pool, admin_password)
    return pool, created


def _set_up_database(pool, admin_password):
    Lang = pool.get('ir.lang')
    User = pool.get('res.user')
    Lang.write(Lang.search([('code', 'in', LANGUAGES)]), {
            'translatable': True,
            })
    admin, = User.search([('login', '=', 'admin')])
    admin.password = admin_password
    admin.save()


def command_demo(options):
    from .demo.build import build

    date = options.date or datetime.date.today()
    progress = Progress()
    pool, created = open_database(options.database, options.admin_password)
    if not created:
        raise CommandError(
            f"database {options.database!r} exists already; the demo is "
            "built into a new database only")
    try:
        in_transaction(
            options.database, build, date, options.members,
            options.households, options.seed, progress, language='en',
            date=date)
    except ValueError as exception:
        raise CommandError(str(exception)) from exception
    progress.close()
    print(f"Demo database {options.database!r} is ready "
        f"({options.members} Demoforbundet members, "
        f"{options.households} Antenneforeningen households, "
        f"as of {date.isoformat()}).")
    print(f"Log in as: admin / {options.admin_password}")


def existing_database(name):
    "Return the Pool of database name, which must hold the module"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(None, 0, close=True) as transaction:
        if name not in transaction.database.list():
            raise CommandError(f"database {name!r} does not exist")
    pool = Pool(name)
    pool.init()
    try:
        pool.get('kontingent.billing.run')
    except KeyError:
        raise CommandError(
            f"database {name!r} does not have the kontingent module")
    return pool


def _find_unit(pool, code_or_name):
    "Return the only unit with the code or name given on the command line"
    Unit = pool.get('kontingent.unit')
    units = Unit.search(['OR',
            ('code', '=', code_or_name), ('name', '=', code_or_name)])
    if len(units) != 1:
        raise CommandError(
            f"{len(units) or 'no'} units have the code or name "
            f"{code_or_name!r}")
    unit, = units
    return unit


def _create_run(pool, options, today):
    Company = pool.get('company.company')
    Run = pool.get('kontingent.billing.run')
    unit = None
    if options.unit:
        unit = _find_unit(pool, options.unit)
        company = unit.company
    else:
        companies = Company.search([])
        if len(companies) != 1:
            raise CommandError(
                "the database has several companies: name a unit")
        company, = companies
    invoice_date = options.invoice_date or today
    due_date = options.due_date
    if not due_date:
        payee = unit.payee if unit else None
        due_date = invoice_date + datetime.timedelta(
            days=payee.days_to_pay if payee else 14)
    if due_date < invoice_date:
        raise CommandError("the due date is before the invoice date")
    run = Run(company=company, unit=unit, billing_date=options.period_date,
        invoice_date=invoice_date, due_date=due_date)
    run.save()
    return run.id


def _calculate(pool, run_id, progress):
    from trytond.transaction import Transaction

    Run = pool.get('kontingent.billing.run')
    Membership = pool.get('kontingent.membership')
    run = Run(run_id)
    with Transaction().set_context(company=run.company.id):
        run.check_no_open_run()
        memberships = Membership.search(
            run.membership_domain(), order=[('id', 'ASC')])
        done = 0

        def advance(count):
            nonlocal done
            done += count
            progress("Calculating", done, len(memberships))
        progress("Calculating", 0, len(memberships))
        run.calculate_lines(memberships, advance)
        run.state = 'calculated'
        run.save()


def _summary(pool, run_id):
    Run = pool.get('kontingent.billing.run')
    Line = pool.get('kontingent.billing.line')
    run = Run(run_id)
    errors = Line.search([('run', '=', run_id), ('state', '=', 'error')])
    return (run.rec_name, run.state, run.members, run.total_amount,
        run.currency.code, len(run.invoices),
        [(l.member.rec_name, l.message) for l in errors])


def _start_processing(pool, run_id):
    Run = pool.get('kontingent.billing.run')
    run = Run(run_id)
    if run.state not in {'calculated', 'processing'}:
        raise CommandError(
            f"billing run {run_id} is {run.state}: nothing to bill")
    run, = Run.start_processing([run])
    return [[l.id for l in batch] for batch in run.batches()]


def _finish(pool, run_id):
    Run = pool.get('kontingent.billing.run')
    Run.finish([Run(run_id)])


def _bill(pool, line_ids):
    Line = pool.get('kontingent.billing.line')
    Line.bill(Line.browse(line_ids))


def command_bill(options):
    today = datetime.date.today()
    progress = Progress()
    pool = existing_database(options.database)
    database = options.database
    context = {'language': 'en', 'date': today}
    if options.run:
        run_id = options.run
    else:
        if not options.period_date:
            raise CommandError("give the --period-date, or a --run to resume")
        run_id = in_transaction(
            database, _create_run, pool, options, today, **context)
        in_transaction(database, _calculate, pool, run_id, progress,
            **context)
        progress.close()
    batches = in_transaction(database, _start_processing, pool, run_id,
        **context) if not options.calculate_only else []
    total = sum(len(b) for b in batches)
    done = 0
    for batch in batches:
        # One transaction a batch: killed here, --run resumes the rest
        in_transaction(database, _bill, pool, batch, **context)
        done += len(batch)
        progress("Billing", done, total)
    progress.close()
    in_transaction(database, _finish, pool, run_id, **context)
    name, state, members, amount, currency, invoices, errors = (
        in_transaction(database, _summary, pool, run_id, **context))
    print(f"Billing run {run_id} ({name}): {state}, {members} members, "
        f"{amount} {currency}, {invoices} invoices, {len(errors)} errors")
    for member, message in errors:
        print(f"  {member}: {message}")


def run_queued_tasks(database):
    """Run the ir.queue tasks the committed transactions left, as the
    server does after a request when no worker is configured"""
    from trytond.transaction import Transaction
    from trytond.worker import run_task

    tasks = Transaction().tasks
    while tasks:
        run_task(database, tasks.pop())


def _journal_company(pool, transmission):
    "Return the id of the company whose statement journals get the file"
    Journal = pool.get('account.statement.journal')
    accounts = sorted({a.account for a in transmission.assignments})
    journals = Journal.search(['OR',
            ('bank_account.numbers.number', 'in', accounts),
            ('bank_account.numbers.number_compact', 'in', accounts),
            ])
    companies = {j.company.id for j in journals}
    if len(companies) != 1:
        raise CommandError(
            f"{len(companies) or 'no'} companies have a statement journal "
            f"for the account {', '.join(accounts)}")
    company, = companies
    return company


def _import_ocr(pool, data, transmission, file_name, progress):
    OCRFile = pool.get('kontingent.ocr.file')
    Company = pool.get('company.company')
    company = Company(_journal_company(pool, transmission))
    ocr_file = OCRFile.import_file(
        company, data, file_name, progress, transmission=transmission)
    return (ocr_file.transmission_number, ocr_file.payments,
        ocr_file.matched, ocr_file.unmatched, ocr_file.reversals,
        ocr_file.amount, ocr_file.currency.code)


def command_import_ocr(options):
    from trytond.exceptions import UserError
    from trytond.transaction import Transaction

    from .formats import ocr_giro

    progress = Progress()
    pool = existing_database(options.database)
    context = {'language': 'en', 'date': datetime.date.today()}
    refused = 0
    for path in options.files:
        with open(path, 'rb') as file:
            data = file.read()
        try:
            transmission = ocr_giro.parse(data)
            # One transaction a file: a file is imported whole or not at all
            summary = in_transaction(options.database, _import_ocr, pool,
                data, transmission, os.path.basename(path), progress,
                **context)
        except ocr_giro.OCRGiroError as exception:
            message = f"not a valid OCR Giro file: {exception}"
        except (UserError, CommandError) as exception:
            Transaction().tasks.clear()
            message = getattr(exception, 'message', str(exception))
        else:
            message = None
        progress.close()
        if message:
            print(f"kontingent: {path}: refused: {message}", file=sys.stderr)
            refused += 1
            continue
        run_queued_tasks(options.database)
        number, payments, matched, unmatched, reversals, amount, currency = (
            summary)
        print(f"{path}: transmission {number}: {payments} payments, "
            f"{matched} matched, {unmatched} unmatched, "
            f"{reversals} reversals, {amount} {currency}")
    return 1 if refused else 0


def _open_claims(pool, unit_name):
    Invoice = pool.get('account.invoice')
    payee = _find_unit(pool, unit_name).payee
    if not payee or not payee.account_number:
        raise CommandError(
            f"unit {unit_name!r} has no payee with a KID scheme and account")
    invoices = Invoice.search([
            ('kontingent_unit', '=', payee.id),
            ('state', '=', 'posted'),
            ('type', '=', 'out'),
            ], order=[('id', 'ASC')])
    claims = [(i.kontingent_kid, i.amount_to_pay) for i in invoices
        if i.amount_to_pay > 0]
    return (claims, payee.kid_algorithm, payee.kid_length,
        payee.account_number)


def command_demo_ocr(options):
    import random

    from .demo.payments import choose_payments, payment_file

    pool = existing_database(options.database)
    claims, algorithm, length, account = in_transaction(
        options.database, _open_claims, pool, options.unit, language='en')
    payments = choose_payments(
        claims, options.share, options.unknown, algorithm, length,
        random.Random(options.seed))
    data = payment_file(
        payments, number=f'{options.number:07d}',
        data_recipient=options.data_recipient,
        agreement_id='000000001', account=account,
        date=options.date or datetime.date.today())
    with open(options.output, 'w', encoding='iso-8859-1') as file:
        file.write(data)
    print(f"{options.output}: {len(payments)} payments, "
        f"{len(payments) - options.unknown} of {len(claims)} open claims "
        f"and {options.unknown} unknown KIDs")


def _invoice(pool, number):
    Invoice = pool.get('account.invoice')
    invoices = Invoice.search([
            ('type', '=', 'out'),
            ('number', '=', number),
            ])
    if len(invoices) != 1:
        raise CommandError(
            f"{len(invoices)} customer invoices have number {number}")
    return invoices[0]


def _email_copy(pool, number):
    from trytond.exceptions import UserError
    Delivery = pool.get('kontingent.invoice.delivery')
    try:
        delivery, = Delivery.email_copies([_invoice(pool, number)])
    except UserError as exception:
        raise CommandError(exception.message) from exception
    Delivery.send_emails([delivery])
    return delivery.email, delivery.state, delivery.reason


def _print_copy(pool, number):
    Delivery = pool.get('kontingent.invoice.delivery')
    InvoiceReport = pool.get('kontingent.invoice', type='report')
    invoice = _invoice(pool, number)
    Delivery.log_printed_copies([invoice])
    _, pdf, _, _ = InvoiceReport.execute(
        [invoice.id], {'kontingent_copy': True})
    return pdf


def command_invoice_copy(options):
    pool = existing_database(options.database)
    context = {'language': 'en', 'date': datetime.date.today()}
    if options.print:
        pdf = in_transaction(options.database, _print_copy, pool,
            options.invoice, **context)
        with open(options.print, 'wb') as file:
            file.write(pdf)
        print(f"{options.print}: copy of invoice {options.invoice}")
        return
    email, state, reason = in_transaction(options.database, _email_copy,
        pool, options.invoice, **context)
    if state != 'sent':
        # The worker tries again; after the last attempt it goes on paper
        print(f"kontingent: invoice {options.invoice}: the copy to {email} "
            f"failed: {reason}", file=sys.stderr)
        return 1
    print(f"Invoice {options.invoice}: copy sent to {email}")


def _receivables(pool, unit_name, xlsx=False):
    """Return the rows of the receivables overview as of the context date,
    of the unit and its sub-units or of every unit, and its XLSX file if
    xlsx"""
    from trytond.transaction import Transaction

    from .receivable_export import claim_rows, receivables_xlsx

    Unit = pool.get('kontingent.unit')
    Receivable = pool.get('kontingent.receivable')
    domain = []
    if unit_name:
        domain = [('parent', 'child_of', [_find_unit(pool, unit_name).id])]
    units = Unit.search(domain)
    claims = []
    for company in sorted({u.company for u in units}, key=lambda c: c.id):
        with Transaction().set_context(company=company.id):
            claims += Receivable.search([
                    ('unit', 'in', [u.id for u in units]),
                    ], order=[('due_date', 'ASC'), ('id', 'ASC')])
    return (claim_rows(claims),
        receivables_xlsx(claims, column_names=True) if xlsx else None)


def command_receivables(options):
    pool = existing_database(options.database)
    rows, xlsx = in_transaction(options.database, _receivables, pool,
        options.unit, bool(options.xlsx), language='en',
        date=options.as_of or datetime.date.today())
    if options.xlsx:
        with open(options.xlsx, 'wb') as file:
            file.write(xlsx)
        print(f"{options.xlsx}: {len(rows)} invoices")
    if options.csv:
        with open(options.csv, 'w', newline='', encoding='utf-8') as file:
            write_csv(file, rows)
        print(f"{options.csv}: {len(rows)} invoices")
    elif not options.xlsx:
        write_csv(sys.stdout, rows)


def write_csv(file, rows):
    import csv

    from .receivable_export import INVOICE_COLUMNS

    writer = csv.writer(file)
    writer.writerow([c for c, _ in INVOICE_COLUMNS])
    writer.writerows(rows)


def _print_batch(pool, options, today):
    """Make a print batch of the invoices waiting to be printed and return
    its summary and files"""
    from trytond.exceptions import UserError
    from trytond.transaction import Transaction

    Batch = pool.get('kontingent.print.batch')
    Company = pool.get('company.company')
    Run = pool.get('kontingent.billing.run')
    run = unit = None
    if options.run:
        runs = Run.search([('id', '=', options.run)])
        if not runs:
            raise CommandError(f"billing run {options.run} does not exist")
        run, = runs
        company = run.company
    elif options.unit:
        unit = _find_unit(pool, options.unit)
        company = unit.company
    else:
        companies = Company.search([])
        if len(companies) != 1:
            raise CommandError(
                "the database has several companies: name a unit or a run")
        company, = companies
    batch = Batch(company=company, billing_run=run, unit=unit, date=today,
        duplex=options.duplex)
    batch.save()
    try:
        with Transaction().set_context(company=company.id):
            Batch.make([batch])
    except UserError as exception:
        raise CommandError(exception.message) from exception
    summary = (f"Print batch {batch.number}: {batch.document_count} "
        f"documents, {batch.sheet_count} sheets, {batch.page_count} pages, "
        + ', '.join(batch.totals.splitlines()))
    return summary, (batch.skipped or '').splitlines(), [
        (batch.pdf_name, bytes(batch.pdf)),
        (batch.manifest_name, bytes(batch.manifest))]


def command_print_batch(options):
    today = datetime.date.today()
    pool = existing_database(options.database)
    # The files are written once the batch is committed: a batch that
    # failed leaves no file to print by mistake
    summary, skipped, files = in_transaction(options.database, _print_batch,
        pool, options, today, language='en', date=today)
    os.makedirs(options.output, exist_ok=True)
    print(summary)
    for name, data in files:
        path = os.path.join(options.output, name)
        with open(path, 'wb') as file:
            file.write(data)
        print(f"  {path}")
    for line in skipped:
        print(f"kontingent: {line}", file=sys.stderr)


def _read_bounces(pool, path):
    """Record the bounces of the Maildir at path; return a line for each new
    message saying what was made of it"""
    Delivery = pool.get('kontingent.invoice.delivery')
    lines = []
    for name, (outcome, detail) in Delivery.read_bounces(path):
        if isinstance(detail, Delivery):
            detail = (f"{detail.printed_record.rec_name} to {detail.email}, "
                f"{detail.state}")
        lines.append(f"{name}: {outcome}: {detail or 'no Message-ID'}")
    return lines


def command_bounces(options):
    from trytond.config import config

    path = options.maildir or config.get('kontingent', 'bounce_maildir')
    if not path:
        raise CommandError("give the Maildir of the bounces, or set "
            "bounce_maildir in the [kontingent] section of trytond.conf")
    if not os.path.isdir(os.path.join(path, 'new')):
        raise CommandError(f"{path} is no Maildir: it has no new folder")
    pool = existing_database(options.database)
    # The messages are marked read when the transaction commits
    lines = in_transaction(
        options.database, _read_bounces, pool, path, language='en')
    for line in lines:
        print(line)
    print(f"{len(lines)} new messages read")


def _reminder_run(pool, options, today):
    "Return the id of the reminder run to send: the one given, or a new one"
    from trytond.exceptions import UserError

    Run = pool.get('kontingent.reminder.run')
    Company = pool.get('company.company')
    if options.run:
        runs = Run.search([('id', '=', options.run)])
        if not runs:
            raise CommandError(f"reminder run {options.run} does not exist")
        run, = runs
        if run.state not in {'previewed', 'done'}:
            raise CommandError(
                f"reminder run {options.run} is {run.state}: nothing to send")
        return run.id
    if options.company:
        companies = Company.search([('party.name', '=', options.company)])
    else:
        companies = Company.search([])
    if len(companies) != 1:
        raise CommandError(
            f"{len(companies) or 'no'} companies match: name one "
            "with --company")
    company, = companies
    run = Run(company=company, date=options.date or today)
    run.save()
    try:
        Run.preview([run])
    except UserError as exception:
        raise CommandError(exception.message) from exception
    return run.id


def _reminder_batches(pool, run_id):
    Run = pool.get('kontingent.reminder.run')
    return [[r.id for r in batch] for batch in Run(run_id).batches()]


def _send_reminders(pool, run_id, reminder_ids):
    Run = pool.get('kontingent.reminder.run')
    Reminder = pool.get('kontingent.reminder')
    Reminder.send(Reminder.browse(reminder_ids), Run(run_id).date)


def _finish_reminders(pool, run_id):
    Run = pool.get('kontingent.reminder.run')
    run = Run(run_id)
    if run.state == 'previewed':
        Run.process([run])
    return run.hand_over_file


def _reminder_summary(pool, run_id):
    Run = pool.get('kontingent.reminder.run')
    run = Run(run_id)
    kinds = {}
    for reminder in run.reminders:
        kinds[reminder.kind] = kinds.get(reminder.kind, 0) + 1
    return (run.rec_name, run.state, run.members, run.claims, run.amount,
        run.fees, run.currency.code, sorted(kinds.items()))


def command_remind(options):
    today = datetime.date.today()
    progress = Progress()
    pool = existing_database(options.database)
    database = options.database
    context = {'language': 'en', 'date': today}
    run_id = in_transaction(
        database, _reminder_run, pool, options, today, **context)
    if not options.preview:
        batches = in_transaction(
            database, _reminder_batches, pool, run_id, **context)
        total = sum(len(b) for b in batches)
        done = 0
        for batch in batches:
            in_transaction(
                database, _send_reminders, pool, run_id, batch, **context)
            done += len(batch)
            progress("Sending", done, total)
        progress.close()
        hand_over = in_transaction(
            database, _finish_reminders, pool, run_id, **context)
        if options.hand_over_csv and hand_over:
            with open(options.hand_over_csv, 'wb') as file:
                file.write(hand_over)
    name, state, members, claims, amount, fees, currency, kinds = (
        in_transaction(database, _reminder_summary, pool, run_id, **context))
    print(f"Reminder run {run_id} ({name}): {state}, {members} letters "
        f"for {claims} claims, {amount} {currency} overdue, "
        f"{fees} {currency} fees")
    for kind, count in kinds:
        print(f"  {kind}: {count}")


def share(text):
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a share from 0 to 1")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog='kontingent',
        description="Membership dues billing for Tryton.")
    parser.add_argument(
        '-c', '--config', dest='config',
        help="trytond configuration file (default: $TRYTOND_CONFIG)")
    commands = parser.add_subparsers(dest='command', required=True)

    demo = commands.add_parser(
        'demo', help="build the demo organisations in a new database")
    demo.add_argument('-d', '--database', required=True)
    demo.add_argument(
        '--members', type=positive_int, default=2000,
        help="Demoforbundet members (default: %(default)s)")
    demo.add_argument(
        '--households', type=positive_int, default=500,
        help="Antenneforeningen households (default: %(default)s)")
    demo.add_argument(
        '--seed', type=int, default=1,
        help="random seed; the same seed builds the same demo")
    demo.add_argument(
        '--date', type=parse_date,
        help="the demo's today (default: the real today)")
    demo.add_argument(
        '--admin-password', default='admin',
        help="password of the admin user (default: %(default)s)")
    demo.set_defaults(function=command_demo)

    bill = commands.add_parser(
        'bill', help="calculate and confirm a billing run")
    bill.add_argument('-d', '--database', required=True)
    bill.add_argument(
        '--unit', help="code or name of the unit to bill "
        "(default: every unit of the only company)")
    bill.add_argument(
        '--period-date', type=parse_date,
        help="bill the dues periods holding this date")
    bill.add_argument(
        '--invoice-date', type=parse_date, help="(default: today)")
    bill.add_argument(
        '--due-date', type=parse_date,
        help="(default: the invoice date plus the unit's days to pay)")
    bill.add_argument(
        '--calculate-only', action='store_true',
        help="leave the run calculated, for staff to check and confirm")
    bill.add_argument(
        '--run', type=int,
        help="confirm this calculated run, or resume it if it stopped")
    bill.set_defaults(function=command_bill)

    import_ocr = commands.add_parser(
        'import-ocr', help="import OCR Giro files into posted statements, "
        "matching the payments by KID")
    import_ocr.add_argument('-d', '--database', required=True)
    import_ocr.add_argument('files', nargs='+', metavar='FILE')
    import_ocr.set_defaults(function=command_import_ocr)

    demo_ocr = commands.add_parser(
        'demo-ocr', help="write an OCR Giro file paying most open invoices "
        "of a unit, and some unknown KIDs (for the demo and tests)")
    demo_ocr.add_argument('-d', '--database', required=True)
    demo_ocr.add_argument(
        '--unit', required=True, help="code or name of the payee unit")
    demo_ocr.add_argument('-o', '--output', required=True)
    demo_ocr.add_argument(
        '--number', type=positive_int, default=1,
        help="transmission number (default: %(default)s)")
    demo_ocr.add_argument(
        '--data-recipient', default='00010200',
        help="the payee's Nets ID (default: %(default)s)")
    demo_ocr.add_argument(
        '--share', type=share, default=0.9,
        help="share of the open invoices paid (default: %(default)s)")
    demo_ocr.add_argument(
        '--unknown', type=positive_int, default=3,
        help="payments to unknown KIDs (default: %(default)s)")
    demo_ocr.add_argument(
        '--date', type=parse_date, help="payment date (default: today)")
    demo_ocr.add_argument('--seed', type=int, default=1)
    demo_ocr.set_defaults(function=command_demo_ocr)

    invoice_copy = commands.add_parser(
        'invoice-copy', help="send an invoice again by e-mail or reprint "
        "it, marked COPY")
    invoice_copy.add_argument('-d', '--database', required=True)
    invoice_copy.add_argument(
        '--invoice', required=True, metavar='NUMBER',
        help="the invoice number (the KID of a payment request)")
    how = invoice_copy.add_mutually_exclusive_group()
    how.add_argument(
        '--email', action='store_true',
        help="e-mail the copy to the payer (the default)")
    how.add_argument(
        '--print', metavar='FILE', help="write the copy as PDF to FILE")
    invoice_copy.set_defaults(function=command_invoice_copy)

    remind = commands.add_parser(
        'remind', help="remind the overdue claims: one letter per payer "
        "at the level of the unit's procedure, fees, hand-over list")
    remind.add_argument('-d', '--database', required=True)
    remind.add_argument(
        '--company', help="name of the company (default: the only one)")
    remind.add_argument(
        '--date', type=parse_date,
        help="remind the claims overdue on this date (default: today)")
    remind.add_argument(
        '--preview', action='store_true',
        help="group the letters and stop, for staff to check and send")
    remind.add_argument(
        '--run', type=int,
        help="send this previewed run, or resume it if it stopped")
    remind.add_argument(
        '--hand-over-csv', metavar='FILE',
        help="write the claims handed over to FILE")
    remind.set_defaults(function=command_remind)

    receivables = commands.add_parser(
        'receivables', help="write the receivables overview (reskontro) "
        "of every invoice as CSV or XLSX: status, balance and days overdue")
    receivables.add_argument('-d', '--database', required=True)
    receivables.add_argument(
        '--unit', help="code or name of a unit: its invoices and its "
        "sub-units' (default: every unit)")
    receivables.add_argument(
        '--as-of', type=parse_date, help="(default: today)")
    receivables.add_argument(
        '--csv', metavar='FILE',
        help="(default: standard output, unless --xlsx is given)")
    receivables.add_argument(
        '--xlsx', metavar='FILE',
        help="write a spreadsheet: the invoices, and their balance per unit "
        "by age with a chart")
    receivables.set_defaults(function=command_receivables)

    print_batch = commands.add_parser(
        'print-batch', help="print the invoices waiting for paper "
        "delivery: one PDF for a print-and-send service, a cover sheet "
        "then one document per recipient sorted by postal code, and its "
        "CSV manifest")
    print_batch.add_argument('-d', '--database', required=True)
    which = print_batch.add_mutually_exclusive_group()
    which.add_argument(
        '--run', type=int, help="the invoices of this billing run")
    which.add_argument(
        '--unit', help="code or name of a unit: its invoices and its "
        "sub-units' (default: every invoice of the only company)")
    print_batch.add_argument(
        '--duplex', action='store_true',
        help="printed on both sides: a blank page follows each document "
        "with an odd number of pages")
    print_batch.add_argument(
        '-o', '--output', required=True, metavar='DIR',
        help="where to write the PDF and the manifest")
    print_batch.set_defaults(function=command_print_batch)

    bounces = commands.add_parser(
        'bounces', help="read the bounces of invoice and reminder e-mails "
        "from a Maildir: each e-mail a delivery status notification "
        "reports failed is marked bounced and goes on paper; the messages "
        "read are marked read")
    bounces.add_argument('-d', '--database', required=True)
    bounces.add_argument(
        'maildir', nargs='?',
        help="(default: bounce_maildir of the [kontingent] section of "
        "trytond.conf)")
    bounces.set_defaults(function=command_bounces)
    return parser


def main(argv=None):
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        load_config(options.config)
        return options.function(options) or 0
    except CommandError as exception:
        print(f"kontingent: error: {exception}", file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
