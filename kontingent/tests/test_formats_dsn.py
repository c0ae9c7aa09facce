# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import doctest
import email
import pathlib
import unittest
from email import policy

from hypothesis import given, settings
from hypothesis import strategies as st

from ..formats import dsn

BOUNCES = pathlib.Path(__file__).parent / 'bounces'

local_parts = st.from_regex(r'[a-z][a-z0-9.]{0,20}[a-z0-9]', fullmatch=True)
addresses = st.builds(
    '{}@{}'.format, local_parts,
    st.sampled_from(['example.net', 'example.no', 'example.dk']))
statuses = st.builds(
    dsn.RecipientStatus, addresses,
    st.sampled_from(sorted(dsn.ACTIONS)),
    st.builds('{}.{}.{}'.format, st.sampled_from('245'),
        st.integers(0, 999), st.integers(0, 999)),
    st.sampled_from(['', 'smtp; 550 5.1.1 user unknown',
            'smtp; 452 4.2.2 mailbox full']))
properties = settings(deadline=None, database=None)


def load_tests(loader, tests, pattern):
    "Add the examples of the module docstring"
    tests.addTests(doctest.DocTestSuite(
            dsn, optionflags=doctest.IGNORE_EXCEPTION_DETAIL))
    return tests


def original(message_id):
    return email.message_from_string(
        'From: Demoforbundet <post@demoforbundet.example.no>\n'
        'To: Kari <kari@example.net>\n'
        'Subject: Faktura\n'
        f'Message-ID: {message_id}\n\nBetal.\n', policy=policy.default)


class DSNTestCase(unittest.TestCase):
    "Delivery status notifications read from real server layouts"

    def test_postfix_user_unknown(self):
        "Postfix returning the headers of a message to an unknown user"
        report = dsn.parse((BOUNCES / 'postfix_user_unknown.eml').read_bytes())
        self.assertEqual(report.original_message_id,
            '<176405844112.4242.1715@erp.demoforbundet.example.no>')
        recipient, = report.failed
        self.assertEqual(recipient.recipient, 'kari.nordmann@example.net')
        self.assertEqual(recipient.status, '5.1.1')
        self.assertIn('User unknown in virtual mailbox table',
            recipient.diagnostic)

    def test_exim_delayed(self):
        "A delay warning is a report, but fails nobody"
        report = dsn.parse((BOUNCES / 'exim_delayed.eml').read_bytes())
        self.assertEqual(report.original_message_id,
            '<176407210655.811.5521@erp.antenneforeningen.example.dk>')
        self.assertEqual(report.failed, [])
        recipient, = report.recipients
        self.assertEqual(
            (recipient.action, recipient.status), ('delayed', '4.0.0'))

    def test_vacation_reply(self):
        "An automatic reply quoting the invoice is no report"
        with self.assertRaises(dsn.NotAReport):
            dsn.parse((BOUNCES / 'vacation_reply.eml').read_bytes())

    def test_report_without_status(self):
        "A multipart/report of delivery status needs its status part"
        report = dsn.build(original('<a@b>'), [
                dsn.RecipientStatus('kari@example.net', 'failed', '5.0.0')],
            reporting_mta='mx.example.net', sender='daemon@example.net')
        parts = report.get_payload()
        report.set_payload([parts[0], parts[2]])
        with self.assertRaises(dsn.InvalidReport):
            dsn.parse(report.as_bytes())

    def test_unknown_action(self):
        "An action RFC 3464 does not know is refused, naming it"
        text = (BOUNCES / 'postfix_user_unknown.eml').read_text().replace(
            'Action: failed', 'Action: bounced')
        with self.assertRaisesRegex(dsn.InvalidReport, "'bounced'"):
            dsn.parse(text)

    def test_status_not_enhanced(self):
        "A status that is no enhanced status code is refused"
        text = (BOUNCES / 'postfix_user_unknown.eml').read_text().replace(
            'Status: 5.1.1', 'Status: 550')
        with self.assertRaisesRegex(dsn.InvalidReport, "'550'"):
            dsn.parse(text)

    @properties
    @given(st.lists(statuses, min_size=1, max_size=5),
        st.from_regex(r'<[a-z0-9.]{1,30}@[a-z]{1,10}\.example>',
            fullmatch=True))
    def test_round_trip(self, recipient_statuses, message_id):
        "A built report reads back as it was built"
        report = dsn.build(original(message_id), recipient_statuses,
            reporting_mta='mx.example.net', sender='daemon@example.net')
        parsed = dsn.parse(report.as_bytes())
        self.assertEqual(parsed.original_message_id, message_id)
        self.assertEqual(list(parsed.recipients), recipient_statuses)
        self.assertEqual(parsed.failed,
            [s for s in recipient_statuses if s.action == 'failed'])
