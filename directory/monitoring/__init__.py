"""Monitoring (运行监测): the staff dashboard of how the platform is used, with its Excel export."""
