"""Published known answers for signed notes and checkpoints (data, copied verbatim).

Sources, each cited where its values are used:

- [go-note] golang.org/x/mod/sumdb/note, note.go package documentation and
  note_test.go (TestNewVerifier, TestNewSigner, TestSign, TestOpen),
  https://github.com/golang/mod/blob/master/sumdb/note/note_test.go (BSD-3-Clause).
- [tdev-note] github.com/transparency-dev/formats, log/note_test.go (the test key
  pairs and the sum.golang.org checkpoint of TestSumDBNoteParsing),
  https://github.com/transparency-dev/formats/blob/main/log/note_test.go (Apache-2.0).
- [tdev-checkpoint] the same repository, log/checkpoint_test.go (TestUnmarshalLogState).
- [c2sp] https://c2sp.org/tlog-checkpoint, the example checkpoint at the top.
"""

from __future__ import annotations

# [go-note] The "PeterNeumann" key, its published signature, and a second signer.
PETER_NAME = "PeterNeumann"
PETER_KEY_HASH = 0xC74F20A3
PETER_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIGNATURE = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
PETER_SIGNATURE_LINE = f"— PeterNeumann {PETER_SIGNATURE}\n"
PETER_SIGNED_NOTE = (PETER_TEXT + "\n" + PETER_SIGNATURE_LINE).encode()

ENOCH_NAME = "EnochRoot"
ENOCH_KEY_HASH = 0xAF0CFE78
ENOCH_VERIFIER_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
ENOCH_SIGNATURE = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)
ENOCH_SIGNATURE_LINE = f"— EnochRoot {ENOCH_SIGNATURE}\n"

# [go-note] TestNewVerifier: well-formed but unacceptable verifier keys, each with a
# key hash adjusted to match, so only the named defect can reject them.
VERIFIER_KEY_WRONG_LENGTH = (
    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
)
VERIFIER_KEY_UNKNOWN_ALGORITHM = (
    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
)

# [go-note] TestOpen: notes that are malformed (each with PeterNeumann's key trusted).
MALFORMED_NOTES = [
    PETER_TEXT,
    PETER_TEXT + "\n",
    PETER_TEXT + "\n" + PETER_SIGNATURE_LINE[:-1],
    "\x01" + PETER_TEXT + "\n" + PETER_SIGNATURE_LINE,
    PETER_TEXT + "\n" + "— Bad Name " + PETER_SIGNATURE,
    PETER_TEXT + "\n" + PETER_SIGNATURE_LINE + "Unexpected line.\n",
]
# [go-note] TestOpen: the same, with a byte that is not UTF-8 in front.
MALFORMED_NOTE_NOT_UTF8 = b"\xff" + PETER_SIGNED_NOTE

# [tdev-note] Signer and verifier key pairs of TestParseCheckpoint.
TDEV_KEY_PAIRS = [
    (
        "PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
        "Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs",
    ),
    (
        "PRIVATE+KEY+Known+451c786d+AQPRoE2+Z+Ed1HaHBA9F/FfracvcZ2rDU39kCecMEoci",
        "Known+451c786d+AXAQ0T7lbwuY4ABJ9/MYY9bWV3hmSyOGVt2x42NkmdUH",
    ),
    (
        "PRIVATE+KEY+KnownAgain+4893b26c+ARhZda/l25zjGZswYLDZsLNRzNpmv5wYTN9IoTr1OJ2+",
        "KnownAgain+4893b26c+AQ+LR7BFF/F/dkpIBjBpSvT0crkteizuUkavAoGeaYMj",
    ),
    (
        "PRIVATE+KEY+Unknown+fdbb2e08+Aav2knTC6orbhXX8pMWuNiWgO+Wwk2DB+h1eU2Q1W1nU",
        "Unknown+fdbb2e08+AWgRIYZ+8x1Vl+1Q+sR8zciNHiYI1SdlBjNw+RV0rots",
    ),
]

# [tdev-note] TestSumDBNoteParsing: a real checkpoint of the Go checksum database.
SUMDB_VERIFIER_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_ORIGIN = "go.sum database tree"
SUMDB_SIZE = 6476701
SUMDB_ROOT_BASE64 = "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
SUMDB_CHECKPOINT = (
    "go.sum database tree\n"
    "6476701\n"
    "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
    "\n"
    "— sum.golang.org "
    "Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n"
).encode()

# [c2sp] The example checkpoint of the tlog-checkpoint spec (its key is not published,
# so it can be parsed but not verified).
C2SP_ORIGIN = "example.com/behind-the-sofa"
C2SP_SIZE = 20852163
C2SP_ROOT_BASE64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
C2SP_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
).encode()

# [tdev-checkpoint] TestUnmarshalLogState: bodies the reference parser rejects. (Its
# accepted bodies carry short, non-SHA-256 root hashes, which this log refuses.)
REJECTED_CHECKPOINT_BODIES = [
    "Head\n9944\n",
    "\n9944\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
    "Log\n123\nYmFuYW5hcw==",
    "Log\nbananas\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
    "Log\n-34\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
    "Log\n3438945738945739845734895735\ndGhlIHZpZXcgZnJvbSB0aGUgdHJlZSB0b3BzIGlzIGdyZWF0IQ==\n",
    "Log\n123\nThisIsn'tBase64\n",
]
