"""`vanban serve`: the Sở's web service (Django) on the same use cases as the `vanban` command.

One Django app per concern: `accounts` (agencies, roles, users), `audit` (append-only log), `jobs` (the task
interface: a worker thread in the server by default, Celery on Redis when VANBAN_BROKER is set), and the apps
of the campaign's work (campaigns, documents, issuance, evidence, results).
"""
