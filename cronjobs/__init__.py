"""The ticks: one table of schedules (`schedule.py`), the CronJob entrypoint (`python -m cronjobs
<tick>`) and the local ticker that runs the same table inside `./dev up`."""
