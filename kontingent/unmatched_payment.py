# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If

from .exceptions import UnmatchedPaymentError


class UnmatchedPayment(Workflow, ModelSQL, ModelView):
    "Unmatched Payment"
    __name__ = 'kontingent.payment.unmatched'

    _states = {
        'readonly': Eval('state') != 'open',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)
    kid = fields.Char("KID", readonly=True)
    payer_account = fields.Char("Payer's Account", readonly=True)
    archive_reference = fields.Char("Archive Reference", readonly=True)
    reason = fields.Selection([
            ('invalid_kid', "Invalid KID"),
            ('unknown_kid', "Unknown KID"),
            ('invoice_closed', "Invoice already paid or cancelled"),
            ('unknown_reversal', "Reversal of no open payment"),
            ], "Reason", required=True, readonly=True, sort=False)
    statement_line = fields.Many2One(
        'account.statement.line', "Statement Line", readonly=True,
        ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Payer", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Find the payer by name to list the invoices to match.")
    invoice = fields.Many2One(
        'account.invoice', "Invoice", states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'out'),
            ('state', '=', 'posted'),
            If(Bool(Eval('party')),
                ('party', '=', Eval('party', -1)),
                ()),
            ],
        help="The open invoice this payment pays; "
        "what it pays over its amount is a credit on the payer.")
    move = fields.Many2One(
        'account.move', "Matching Move", readonly=True,
        states={
            'invisible': ~Eval('move'),
            })
    state = fields.Selection([
            ('open', "Open"),
            ('matched', "Matched"),
            ('refunded', "Refunded"),
            ('reversed', "Reversed"),
            ], "State", required=True, readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kid.search_unaccented = False
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'matched'),
            ('open', 'refunded'),
            ('refunded', 'open'),
            }
        cls._buttons.update({
                'match': {
                    'invisible': ((Eval('state') != 'open')
                        | (Eval('amount', 0) <= 0)),
                    'readonly': ~Eval('invoice'),
                    'depends': ['state', 'amount', 'invoice'],
                    },
                'refund': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'refunded',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('invoice', '_parent_invoice.party')
    def on_change_invoice(self):
        if self.invoice:
            self.party = self.invoice.party

    def get_rec_name(self, name):
        return f'{self.kid or self.archive_reference} ({self.date})'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        bool_op = 'AND' if operator.startswith(('!', 'not ')) else 'OR'
        return [bool_op,
            ('kid', *clause[1:]),
            ('archive_reference', *clause[1:]),
            ]

    @classmethod
    @ModelView.button
    @Workflow.transition('matched')
    def match(cls, payments):
        """Move each payment from the unmatched account to its invoice and
        reconcile the invoice when it is paid in full"""
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Invoice = pool.get('account.invoice')
        for payment in payments:
            if not payment.invoice:
                raise UnmatchedPaymentError(gettext(
                        'kontingent.msg_unmatched_payment_no_invoice',
                        payment=payment.rec_name))
            if payment.invoice.amount_to_pay <= 0:
                raise UnmatchedPaymentError(gettext(
                        'kontingent.msg_unmatched_payment_invoice_paid',
                        payment=payment.rec_name,
                        invoice=payment.invoice.rec_name))
        moves, lines, paying = [], [], []
        for payment in payments:
            move, move_lines = payment.get_matching_move()
            moves.append(move)
            lines.extend(move_lines)
            paying.append(move_lines[1])
        Move.save(moves)
        MoveLine.save(lines)
        Move.post(moves)
        for payment, move, line in zip(payments, moves, paying):
            payment.move = move
            invoice = payment.invoice
            to_reconcile, remainder = invoice.get_reconcile_lines_for_amount(
                line.credit, invoice.currency, party=invoice.party)
            Invoice.add_payment_lines({invoice: [line]})
            if not remainder:
                MoveLine.reconcile(to_reconcile + [line])
        cls.save(payments)

    def get_matching_move(self):
        """Return the move from the unmatched account to the invoice's
        payer, and its lines: the second pays the invoice, a third is what
        is paid over it"""
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')

        journal = self.statement_line.statement.journal
        invoice = self.invoice
        # Dated as the payment: it pays the invoice from the day it came
        move = Move(
            company=self.company, journal=journal.journal,
            period=Period.find(self.company, date=self.date), date=self.date,
            origin=self, description=self.rec_name)
        applied = min(self.amount, invoice.amount_to_pay)
        lines = [
            MoveLine(
                move=move, account=journal.kontingent_unmatched_account,
                debit=self.amount, credit=0),
            MoveLine(
                move=move, account=invoice.account, party=invoice.party,
                debit=0, credit=applied),
            ]
        if self.amount > applied:
            lines.append(MoveLine(
                    move=move, account=invoice.account, party=invoice.party,
                    debit=0, credit=self.amount - applied))
        return move, lines

    @classmethod
    @ModelView.button
    @Workflow.transition('refunded')
    def refund(cls, payments):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, payments):
        pass


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['kontingent.payment.unmatched']
