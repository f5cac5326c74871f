"""Benchmarks: scripts that print figures. They are not tests and assert nothing about speed."""
