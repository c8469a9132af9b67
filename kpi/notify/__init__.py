"""Outbound messages: subscriptions to signals, e-mail and webhook delivery, the sent log.

Why a package: the scheduled packs (``kpi.schedules``) send through the same channels and
record into the same log, so "who was sent what, when" has one answer.
"""
