"""One task interface for long work (rendering, PDF conversion, verification, signing): jobs are rows in the
database with their progress and result; the server's own worker thread runs them by default, Celery workers on
Redis when VANBAN_BROKER is set. Results and files never live only in Redis."""
