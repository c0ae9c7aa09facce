# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""OCR Giro files paying a billing run, for the demo, tests and benchmarks.

Plain Python: the caller reads the open claims from the database and hands
their KIDs and amounts here.

>>> import datetime
>>> from decimal import Decimal
>>> import random
>>> claims = [('0000000000018', Decimal('100.00')),
...     ('0000000000026', Decimal('250.00'))]
>>> payments = choose_payments(
...     claims, share=1, unknown=1, algorithm='mod10', length=13,
...     rng=random.Random(1))
>>> payments[:2] == claims
True
>>> unknown_kid, _ = payments[2]
>>> unknown_kid in {k for k, _ in claims}, len(unknown_kid)
(False, 13)
>>> data = payment_file(
...     payments, number='0000001', data_recipient='00010200',
...     agreement_id='001008566', account='15031234562',
...     date=datetime.date(2027, 2, 1))
>>> [(t.kid, t.amount) for t in ocr_giro.parse(data).assignments[0]
...     .transactions][:2] == claims
True
"""
from decimal import Decimal

from ..formats import kid, ocr_giro


def choose_payments(claims, share, unknown, algorithm, length, rng):
    """Return (KID, amount) pairs paying the given share of claims in full,
    in their order, then unknown payments to valid KIDs of no claim

    claims are (KID, amount) pairs; rng is a random.Random."""
    count = round(len(claims) * share)
    paid = sorted(rng.sample(range(len(claims)), count))
    payments = [claims[i] for i in paid]
    known = {k for k, _ in claims}
    amounts = [a for _, a in claims] or [Decimal('100.00')]
    while len(payments) < count + unknown:
        base = str(rng.randrange(10 ** (length - 2), 10 ** (length - 1)))
        try:
            number = kid.make(base, algorithm, length=length)
        except kid.UnrepresentableKID:
            continue
        if number not in known:
            known.add(number)
            payments.append((number, rng.choice(amounts)))
    return payments


def payment_file(
        payments, *, number, data_recipient, agreement_id, account, date):
    """Return the OCR Giro file (str) of one assignment to account
    reporting the (KID, amount) payments as giro payments of date"""
    transactions = [
        ocr_giro.Transaction(
            type=ocr_giro.TransactionType.FROM_GIRO_DEBITED_ACCOUNT,
            number=index, nets_date=date, amount=amount, kid=payment_kid,
            archive_reference=f'{index:09d}', bank_date=date)
        for index, (payment_kid, amount) in enumerate(payments, start=1)]
    return ocr_giro.serialise(ocr_giro.Transmission(
            number=number, data_transmitter=ocr_giro.NETS_ID,
            data_recipient=data_recipient, nets_date=date,
            assignments=[ocr_giro.Assignment(
                    number=number, agreement_id=agreement_id,
                    account=account, nets_date=date,
                    transactions=transactions)]))
