"""Streamlit-only helpers for the dashboard pages (kpi/ never imports Streamlit)."""
