"""A class on one server: the class and its accounts, passwords, sign-in and who may touch which project.

Modules: ``names`` (the names people type), ``passwords`` (scrypt), ``access`` (the viewer and the rules the
store's functions apply, ``core.data.projects``), ``roster`` (classes, teachers, students), ``signin``
(rate-limited sign-in), ``session`` (the signed, expiring session token), ``retention`` (pictures kept only
when the class allows, and not past its retention), ``removal`` (deleting a student or a whole class, with a
receipt), ``identity`` (which member a school account's verified e-mail is: signing in with OIDC), ``pictures``
(picture passwords for young students), ``sharing`` (a project shared with the class read-only, and its remix
into a copy of one's own), ``overview`` (the teacher's view of the class: students, projects, samples, last
activity).
None of them imports Streamlit. With no class created the store has no viewer and works as it always did.
"""
