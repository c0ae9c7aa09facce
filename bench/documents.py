# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""How fast invoice documents are rendered and e-mailed, for N invoices.

A fresh database gets the union of bench/billing.py with enough members
for N invoices, all on paper, billed by a billing run for the coming year
(not timed).  The payers of the first N invoices then choose e-mail, with
an address of their own where they had none (not timed).  Two phases are
timed:

1. PDFs: render each of the N invoices to a PDF of its own through the
   module's invoice report (kontingent/invoice_report.py,
   report/invoice.html, weasyprint), as many at a time as an e-mail batch
   sends, in one transaction;
2. e-mails: deliver the N invoices as a billing run does (log the
   deliveries, queue the e-mail batches) and run the batches, which render
   each PDF again and send one message per invoice through Tryton's SMTP
   settings to an aiosmtpd server on 127.0.0.1 that the bench starts in a
   process of its own, writing to a maildir.  On PostgreSQL the batches
   are run by --workers trytond-worker processes, as in production (the
   clock starts when they are ready); on SQLite by this process, as
   `kontingent` commands and the server without workers do.

It checks that every invoice was rendered to a PDF, that every delivery
was sent and that the SMTP server received exactly N messages, each to its
payer with one PDF attachment carrying the invoice's KID.  From the top of
the repository:

    .venv/bin/python bench/documents.py [--invoices N]
        [--database-uri postgresql://postgres@127.0.0.1:5433/]
        [--workers W]

The last line printed is, for scripts to read:

    RESULT invoices=N pdfs_per_s=R emails_per_s=E
"""
import argparse
import io
import mailbox
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from billing import (  # noqa: E402
    add_database_arguments, bill_members, configure_trytond, drop_database,
    optimise, positive_int, stop_workers)

# One member in twenty pays for another: bill this many more members than
# invoices wanted, and some to spare for the demo's households, which share
# an invoice
MEMBERS_PER_INVOICE = 1.06
SPARE_MEMBERS = 50
EMAIL_DOMAIN = 'bench.example.org'


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--invoices', type=positive_int, default=1_000)
    add_database_arguments(
        parser, "trytond-worker processes billing the invoices and "
        "sending the e-mails on PostgreSQL (default: 2; 0 runs both in "
        "this process)")
    return parser


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_smtp_server(port, maildir):
    "Start aiosmtpd on 127.0.0.1:port writing to maildir; return its process"
    server = subprocess.Popen([sys.executable, '-m', 'aiosmtpd', '-n',
            '-l', f'127.0.0.1:{port}', '-c', 'aiosmtpd.handlers.Mailbox',
            maildir])
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(
                    f"the SMTP server did not start on 127.0.0.1:{port}")
            time.sleep(0.1)


def all_on_paper():
    """Put every party on paper and drop the e-mails the demo queued, so
    that the SMTP server gets the bench's e-mails only"""
    from trytond.modules.kontingent.delivery import QUEUE
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool()
    Party = pool.get('party.party')
    Queue = pool.get('ir.queue')
    table = Party.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.delivery_channel], ['paper']))
    Queue.delete(Queue.search([
                ('name', '=', QUEUE),
                ('finished_at', '=', None),
                ]))


def choose_invoices(run_id, count):
    """Return the ids of the run's first count invoices, after putting
    their payers on e-mail with an address of their own where they have
    no valid one"""
    from trytond.modules.kontingent.delivery import valid_email
    from trytond.pool import Pool

    pool = Pool()
    Invoice = pool.get('account.invoice')
    Party = pool.get('party.party')
    ContactMechanism = pool.get('party.contact_mechanism')
    invoices = Invoice.search([
            ('kontingent_billing_run', '=', run_id),
            ('state', '=', 'posted'),
            ], order=[('id', 'ASC')], limit=count)
    payers = [i.party for i in invoices]
    Party.write(payers, {'delivery_channel': 'email'})
    ContactMechanism.create([{
                'party': p.id,
                'type': 'email',
                'value': f'payer-{p.id}@{EMAIL_DOMAIN}',
                } for p in payers if not valid_email(p)])
    return [i.id for i in invoices]


def render(invoice_ids):
    """Render each invoice to a PDF of its own, as many at a time as an
    e-mail batch sends; return the number of PDFs and their total size"""
    from trytond.modules.kontingent.delivery import BATCH_SIZE
    from trytond.pool import Pool
    from trytond.tools import grouped_slice

    InvoiceReport = Pool().get('kontingent.invoice', type='report')
    pdfs, size = 0, 0
    for ids in grouped_slice(invoice_ids, BATCH_SIZE):
        for pdf in InvoiceReport.render_each(list(ids)):
            if not pdf.startswith(b'%PDF-'):
                raise SystemExit("check failed: an invoice rendered as "
                    f"{pdf[:20]!r}, not as a PDF")
            pdfs += 1
            size += len(pdf)
    if pdfs != len(invoice_ids):
        raise SystemExit(f"check failed: {pdfs} PDFs for "
            f"{len(invoice_ids)} invoices")
    return pdfs, size


def deliver(invoice_ids):
    "Log and queue the e-mails of the invoices, as a billing batch does"
    from trytond.pool import Pool

    pool = Pool()
    Invoice = pool.get('account.invoice')
    Delivery = pool.get('kontingent.invoice.delivery')
    deliveries = Delivery.deliver(Invoice.browse(invoice_ids))
    channels = Counter(d.channel for d in deliveries)
    if channels != {'email': len(invoice_ids)}:
        raise SystemExit(f"check failed: deliveries by channel {channels}")


def delivery_states(invoice_ids):
    "Return the number of e-mail deliveries of the invoices by state"
    from trytond.pool import Pool

    Delivery = Pool().get('kontingent.invoice.delivery')
    return Counter(d.state for d in Delivery.search([
                ('invoice', 'in', invoice_ids),
                ('channel', '=', 'email'),
                ]))


def expected_messages(invoice_ids):
    "Return the number of messages expected per (address, KID)"
    from trytond.pool import Pool

    Delivery = Pool().get('kontingent.invoice.delivery')
    return Counter((d.email, d.invoice.kontingent_kid)
        for d in Delivery.search([
                ('invoice', 'in', invoice_ids),
                ('channel', '=', 'email'),
                ('state', '=', 'sent'),
                ]))


def send_in_process(database, invoice_ids):
    from trytond import config
    from trytond.modules.kontingent.cli import (
        in_transaction, run_queued_tasks)

    # Without workers the tasks run after the commit, as after a request
    config.set('queue', 'worker', 'False')
    try:
        in_transaction(database, deliver, invoice_ids)
        run_queued_tasks(database)
    finally:
        config.set('queue', 'worker', 'True')


def start_workers(database, workers):
    """Start trytond-worker processes on the e-mail queue and return them
    when they are ready to pull tasks"""
    from trytond.modules.kontingent.cli import in_transaction
    from trytond.modules.kontingent.delivery import QUEUE

    command = [os.path.join(os.path.dirname(sys.executable),
            'trytond-worker'), '-d', database, '-n', str(workers),
        '--name', QUEUE]
    since = in_transaction(database, database_time)
    process = subprocess.Popen(
        command, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not in_transaction(database, workers_listening, database, since):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_workers(process)
            raise SystemExit("the workers did not start")
        time.sleep(0.2)
    return process


def database_time():
    from trytond.transaction import Transaction

    cursor = Transaction().connection.cursor()
    cursor.execute("SELECT clock_timestamp()")
    now, = cursor.fetchone()
    return now


def workers_listening(database, since):
    """Whether a connection opened since waits for tasks: a worker listens
    once its processes have loaded the pool and found the queue empty"""
    from trytond.transaction import Transaction

    cursor = Transaction().connection.cursor()
    cursor.execute(
        "SELECT COUNT(*) FROM pg_stat_activity "
        "WHERE datname = %s AND backend_start >= %s AND query = %s",
        (database, since, 'LISTEN "ir.queue"'))
    count, = cursor.fetchone()
    return bool(count)


def send_with_workers(database, invoice_ids, workers):
    "Queue the e-mails and return when the workers have sent them all"
    from trytond.modules.kontingent.cli import in_transaction

    in_transaction(database, deliver, invoice_ids)
    last, stalled_since = None, time.monotonic()
    while True:
        states = in_transaction(database, delivery_states, invoice_ids)
        if states['sent'] == len(invoice_ids):
            return
        if set(states) - {'queued', 'sent'}:
            raise SystemExit(f"check failed: deliveries {dict(states)}")
        if states != last:
            last, stalled_since = states, time.monotonic()
        elif time.monotonic() - stalled_since > 300:
            raise SystemExit("the workers sent nothing for 5 minutes")
        time.sleep(0.2)


def check_mailbox(maildir, expected):
    """Check that the messages of maildir are expected: one per (address,
    KID), each with one PDF attachment showing the KID; return their
    number"""
    from pypdf import PdfReader

    received = Counter()
    problems = []
    parser = BytesParser(policy=policy.default)
    for key, file in mailbox.Maildir(maildir, factory=None).iteritems():
        message = parser.parsebytes(file.as_bytes())
        _, address = parseaddr(message['To'])
        attachments = list(message.iter_attachments())
        pdfs = [a.get_content() for a in attachments
            if a.get_content_type() == 'application/pdf']
        if len(attachments) != 1 or len(pdfs) != 1:
            problems.append(f"{key} to {address} has {len(attachments)} "
                f"attachments, {len(pdfs)} PDF")
            continue
        text = ' '.join(page.extract_text()
            for page in PdfReader(io.BytesIO(pdfs[0])).pages)
        kids = {kid for email, kid in expected if email == address}
        kid = next((k for k in kids if k in text.replace(' ', '')), None)
        received[address, kid] += 1
    if received != expected:
        missing = sum((expected - received).values())
        extra = sum((received - expected).values())
        problems.append(f"{missing} expected messages not received, "
            f"{extra} received not expected")
    if problems:
        raise SystemExit("check failed: " + "; ".join(problems[:10]))
    return sum(received.values())


def main(argv=None):
    options = build_parser().parse_args(argv)
    optimise()
    with tempfile.TemporaryDirectory() as directory:
        maildir = os.path.join(directory, 'maildir')
        port = free_port()
        smtp = start_smtp_server(port, maildir)
        try:
            # Read by this process and by the workers it starts
            os.environ['TRYTOND_EMAIL__URI'] = f'smtp://127.0.0.1:{port}'
            configure_trytond(options.database_uri, directory)
            return run(options, maildir)
        finally:
            smtp.terminate()
            smtp.wait()


def run(options, maildir):
    from trytond.modules.kontingent.cli import in_transaction

    database = f'bench_documents_{uuid.uuid4().hex[:8]}'
    sqlite = options.database_uri.startswith('sqlite')
    workers = 0 if sqlite else options.workers
    count = options.invoices
    started = time.perf_counter()
    try:
        _, run_id = bill_members(database,
            round(count * MEMBERS_PER_INVOICE) + SPARE_MEMBERS, workers,
            prepare=all_on_paper)
        invoice_ids = in_transaction(
            database, choose_invoices, run_id, count)
        if len(invoice_ids) < count:
            raise SystemExit(
                f"the run made {len(invoice_ids)} invoices, not {count}")
        print(f"set-up: {count} invoices in "
            f"{time.perf_counter() - started:.0f} s (not timed)")

        started = time.perf_counter()
        pdfs, size = in_transaction(
            database, render, invoice_ids, language='en')
        pdf_s = time.perf_counter() - started
        print(f"pdfs: {pdfs} invoices rendered in {pdf_s:.1f} s, "
            f"{pdfs / pdf_s:.1f} PDFs/s, {size / pdfs / 1024:.0f} KiB each")

        if workers:
            worker = start_workers(database, workers)
            try:
                started = time.perf_counter()
                send_with_workers(database, invoice_ids, workers)
                email_s = time.perf_counter() - started
            finally:
                stop_workers(worker)
        else:
            started = time.perf_counter()
            send_in_process(database, invoice_ids)
            email_s = time.perf_counter() - started
        states = in_transaction(database, delivery_states, invoice_ids)
        if states != {'sent': count}:
            raise SystemExit(f"check failed: deliveries {dict(states)}")
        expected = in_transaction(database, expected_messages, invoice_ids)
        emails = check_mailbox(maildir, expected)
        print(f"e-mails: {emails} messages with their PDF received by the "
            f"SMTP server in {email_s:.1f} s, {emails / email_s:.1f} "
            f"e-mails/s" + (f" ({workers} workers)" if workers else ""))
    finally:
        if not sqlite:
            drop_database(database)
    print(f"RESULT invoices={count} pdfs_per_s={pdfs / pdf_s:.2f} "
        f"emails_per_s={emails / email_s:.2f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
