"""Off-site backup: footage encrypted on the hub to the owner's recovery key.

`recovery` (the key, shown once), `crypt` (sealing objects), `index` (the encrypted
list of what is where), `policy` (what should be there: pure), `uploader` (a pass),
`s3` / `server_target` (where objects go, behind `target.BackupTarget`), `restore`
and `commands` (`frontporch backup list|restore`), `service` (`BackupDesk`).
"""
