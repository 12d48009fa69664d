"""Writes ``claims.csv``: a small insurance-claims inbox in a taxonomy that is not the demo's.

A stand-in for a user's own labelled export (text and label columns), used by the import
tests and the ``own_data`` acceptance suite. Deterministic: ``python make_claims.py`` rewrites
the same file. 8 labels (11 with their parents), 30 comments each, built from hand-written phrases per
label; one comment in five also asks about a second label and has both (``A;B``).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

PHRASES = {
    "Claim > Motor": [
        "my car was hit in the supermarket car park",
        "another driver reversed into my vehicle at the junction",
        "the windscreen cracked on the motorway and needs replacing",
        "I need to claim for the dent on my car door after the collision",
        "my van was damaged in a road accident yesterday",
    ],
    "Claim > Home": [
        "a burst pipe flooded the kitchen and ruined the floor",
        "the storm blew tiles off our roof and water came through the ceiling",
        "we had a break-in and the burglars took the television",
        "there was a fire in the garage and the walls are smoke damaged",
        "subsidence has caused cracks in the walls of our house",
    ],
    "Claim > Travel": [
        "my suitcase was lost by the airline on the way to Spain",
        "I fell ill abroad and paid for a doctor at the hotel",
        "our flight was cancelled and we had to book another hotel night",
        "my passport and wallet were stolen while on holiday",
        "I broke my ankle skiing and needed treatment in the resort",
    ],
    "Policy > Cancellation": [
        "please cancel my policy from the end of this month",
        "I have sold the car so I no longer need the cover, cancel it",
        "I want to end my insurance and close the policy",
        "cancel the contract, I found cheaper cover elsewhere",
        "I would like to terminate my home insurance policy",
    ],
    "Policy > Renewal": [
        "my renewal quote went up a lot, why is the premium higher",
        "can you send the renewal documents for next year",
        "I want to renew my policy for another twelve months",
        "the renewal date is coming up, please confirm the new price",
        "will my policy renew automatically next month",
    ],
    "Payment > Failed": [
        "my direct debit bounced and the premium was not paid",
        "the card payment for my instalment was declined",
        "I got a letter saying my monthly payment failed",
        "the bank returned the payment, please take it again",
        "why did the premium collection fail this month",
    ],
    "Payment > Refund": [
        "I was charged twice for the premium, please refund me",
        "when will I get my money back after cancelling",
        "please return the overpayment to my account",
        "you owe me a refund for the unused months of cover",
        "I am still waiting for the refund you promised",
    ],
    "Complaint": [
        "this is the worst service I have ever had, I am furious",
        "nobody has called me back in three weeks, this is unacceptable",
        "I want to make a formal complaint about your handler",
        "your staff were rude and I am very unhappy with how I was treated",
        "I am disgusted with the delays and will go to the ombudsman",
    ],
}
OPENINGS = ["Hello,", "Hi team,", "Dear Sir or Madam,", "Good morning,", ""]
CLOSINGS = ["Thanks.", "Regards, Sam", "Please reply soon.", "Kind regards", "Policy number PN-{:06d}."]
PER_LABEL = 30
MIXED = 0.2


def comment(generator: random.Random, label: str, index: int, mixed: float = MIXED) -> tuple[str, list[str]]:
    """One comment of ``label``: two of its phrases; a ``mixed`` share also asks about another label."""
    phrases = PHRASES[label]
    first = phrases[index % len(phrases)]
    second = generator.choice([phrase for phrase in phrases if phrase != first])
    labels = [label]
    sentences = [generator.choice(OPENINGS), f"{first[0].upper()}{first[1:]}.", f"Also, {second}."]
    if generator.random() < mixed:
        other = generator.choice([name for name in PHRASES if name != label])
        sentences.append(f"And {generator.choice(PHRASES[other])}.")
        labels.append(other)
    sentences.append(generator.choice(CLOSINGS).format(generator.randrange(10**6)))
    return " ".join(part for part in sentences if part), labels


def rows(seed: int = 7) -> list[dict[str, str]]:
    generator = random.Random(seed)
    made = []
    for label in PHRASES:
        for index in range(PER_LABEL):
            text, labels = comment(generator, label, index)
            name = f"{label.split(' > ')[-1].lower()}-{index:02d}"
            made.append({"id": name, "text": text, "label": ";".join(labels)})
    generator.shuffle(made)
    return made


def main() -> None:
    with (HERE / "claims.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "label"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())


if __name__ == "__main__":
    main()
