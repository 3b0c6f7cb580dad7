"""Household members: who may sign in to the hub, with which role and allowances, and
how (password, passkeys, a TOTP second factor). Pure rules in `access.py`; the store's
part is `store/member_tables.py`; the web layer is `web/members.py`, `web/account.py`."""
