"""The desk's blueprint; its pages live in the modules next to this one."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static")

PUBLIC_ENDPOINTS = frozenset({"admin.login", "admin.static"})
"""Reachable without a session: the login form, and the stylesheet it is drawn with."""
