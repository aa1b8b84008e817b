"""Callback rules at run time. The rows are made by `voicebot.services.callbacks` in the
transaction of the event that fired them, and they are the schedule: the clock's leader
(`voicebot.jobs.scheduler`) queues those whose time has come, and `voicebot.callbacks.runner`
runs them. Nothing is enqueued at commit, so nothing is lost between the two.
"""
