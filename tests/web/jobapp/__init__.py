"""A Django app for the job tests only: job kinds a separate worker process (Celery or the server's own thread)
registers at start-up, as a feature app's jobs.py does."""
