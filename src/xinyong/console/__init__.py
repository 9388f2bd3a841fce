"""The staff console (工作台): server-rendered pages for staff, shown by role and permission."""
