"""What students ask: a report for the school's advisors from the conversation store.

`make report DAYS=N` (see __main__.py) reads the last N days of conversations and writes
results/report.html, its tables as CSV files under results/report/, and
results/suggested_questions.yml. The classification of a conversation's events is a pure
function (conversations.py); the rest reads the store, counts and draws.
"""
