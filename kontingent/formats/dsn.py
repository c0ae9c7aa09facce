# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Delivery status notifications (RFC 3464), the bounces of e-mail.

A mail server that can not deliver a message sends its envelope sender a
report: a ``multipart/report; report-type=delivery-status`` message with a
human-readable part, a ``message/delivery-status`` part (one block of
fields for the report, then one per recipient) and the returned message or
its headers (``message/rfc822`` or ``text/rfc822-headers``).  The returned
headers carry the Message-ID the sender gave, which is how the report is
tied to what was sent.

For each recipient the ``Action`` field says what happened: ``failed`` is
final (the message will never arrive), ``delayed`` means the server is
still trying, ``delivered``, ``relayed`` and ``expanded`` are success.  The
``Status`` field is an enhanced status code (RFC 3463): class 5 permanent,
4 transient, 2 success.

Vacation replies, challenge-response mails and other automatic messages
are not reports; ``parse`` refuses them so that no e-mail is taken for a
bounce because it came back from the same address.

>>> original = email.message_from_string(
...     'From: Dues <dues@example.org>\\n'
...     'To: Kari <kari@example.net>\\n'
...     'Subject: Invoice 7\\n'
...     'Message-ID: <invoice-7@example.org>\\n\\nPlease pay.\\n',
...     policy=policy.default)
>>> report = build(original, [RecipientStatus(
...     'kari@example.net', 'failed', '5.1.1',
...     'smtp; 550 5.1.1 <kari@example.net>: user unknown')],
...     reporting_mta='mx.example.net',
...     sender='MAILER-DAEMON@mx.example.net')
>>> report['Content-Type'].params['report-type']
'delivery-status'
>>> status = parse(report.as_bytes())
>>> status.original_message_id
'<invoice-7@example.org>'
>>> [(r.recipient, r.status) for r in status.failed]
[('kari@example.net', '5.1.1')]
>>> parse(original.as_bytes())  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
    ...
NotAReport: ...
"""
import email
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import HeaderParser

__all__ = [
    'DSNError', 'NotAReport', 'InvalidReport', 'RecipientStatus',
    'DeliveryReport', 'parse', 'build']

ACTIONS = {'failed', 'delayed', 'delivered', 'relayed', 'expanded'}
STATUS = re.compile(r'^[245]\.\d{1,3}\.\d{1,3}$')


class DSNError(ValueError):
    "The message can not be read as a delivery status notification"


class NotAReport(DSNError):
    "The message is no delivery status notification"


class InvalidReport(DSNError):
    "The delivery status notification breaks RFC 3464"


@dataclass(frozen=True)
class RecipientStatus:
    "What the reporting server did with the message for one recipient"
    recipient: str
    action: str
    status: str
    diagnostic: str = ''

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise InvalidReport(
                f"unknown action {self.action!r} for {self.recipient}")
        if not STATUS.match(self.status):
            raise InvalidReport(
                f"status {self.status!r} for {self.recipient} is no "
                "enhanced status code")

    @property
    def permanent(self):
        "Whether the message will never reach the recipient"
        return self.action == 'failed'


@dataclass(frozen=True)
class DeliveryReport:
    "The report of one returned message"
    original_message_id: str | None
    recipients: tuple

    @property
    def failed(self):
        return [r for r in self.recipients if r.permanent]


def _message(data):
    if isinstance(data, Message):
        return data
    if isinstance(data, str):
        return email.message_from_string(data, policy=policy.default)
    return email.message_from_bytes(data, policy=policy.default)


def _address(value):
    "The address of an address-type field: 'rfc822; a@b' gives 'a@b'"
    _, _, address = (value or '').partition(';')
    return address.strip().strip('<>') if address else None


def parse(data):
    """Return the DeliveryReport of the message given as bytes, str or
    email.message.Message; raise NotAReport if it is none"""
    message = _message(data)
    if (message.get_content_type() != 'multipart/report'
            or message.get_param('report-type', '').lower()
            != 'delivery-status'):
        raise NotAReport(
            f"a {message.get_content_type()} message is no delivery report")
    status_part = original = None
    for part in message.iter_parts():
        content_type = part.get_content_type()
        if content_type == 'message/delivery-status':
            status_part = part
        elif content_type in {'message/rfc822', 'text/rfc822-headers'}:
            original = part
    if status_part is None:
        raise InvalidReport("the report has no message/delivery-status part")
    # The first block is about the message, each further one a recipient
    blocks = status_part.get_payload()
    if not isinstance(blocks, list) or len(blocks) < 2:
        raise InvalidReport("the report names no recipient")
    recipients = []
    for block in blocks[1:]:
        recipient = (_address(block.get('Final-Recipient'))
            or _address(block.get('Original-Recipient')))
        if not recipient:
            raise InvalidReport("a recipient block has no Final-Recipient")
        # A status may be followed by a comment: "5.1.1 (user unknown)"
        status, *_ = str(block.get('Status', '')).split() or ['']
        recipients.append(RecipientStatus(
                recipient=recipient,
                action=str(block.get('Action', '')).strip().lower(),
                status=status,
                diagnostic=' '.join(
                    str(block.get('Diagnostic-Code', '')).split())))
    return DeliveryReport(
        original_message_id=_original_message_id(original),
        recipients=tuple(recipients))


def _original_message_id(part):
    if part is None:
        return None
    if part.get_content_type() == 'message/rfc822':
        headers = part.get_payload()[0]
    else:
        headers = HeaderParser(policy=policy.default).parsestr(
            part.get_content())
    message_id = headers.get('Message-ID')
    return str(message_id).strip() if message_id else None


def build(original, statuses, reporting_mta, sender):
    """Return the report a server named reporting_mta would send from
    sender about original (an email.message.Message) and the statuses of
    its recipients, returning the original's headers"""
    report = EmailMessage()
    report['From'] = sender
    report['To'] = original['From']
    report['Subject'] = 'Undelivered Mail Returned to Sender'
    report['Auto-Submitted'] = 'auto-replied'
    report.set_content(
        "This is the mail system at host %s.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n" % reporting_mta)
    report.make_mixed()
    report.set_param('report-type', 'delivery-status')
    report.set_type('multipart/report')
    fields = [f'Reporting-MTA: dns; {reporting_mta}\n']
    for status in statuses:
        block = (f'Final-Recipient: rfc822; {status.recipient}\n'
            f'Action: {status.action}\n'
            f'Status: {status.status}\n')
        if status.diagnostic:
            block += f'Diagnostic-Code: {status.diagnostic}\n'
        fields.append(block)
    status_part = email.message_from_string(
        'Content-Type: message/delivery-status\n\n' + '\n'.join(fields),
        policy=policy.default)
    report.attach(status_part)
    headers = ''.join(
        f'{name}: {value}\n' for name, value in original.items())
    headers_part = EmailMessage()
    headers_part.set_content(headers, subtype='rfc822-headers')
    report.attach(headers_part)
    return report
