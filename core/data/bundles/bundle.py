"""A whole project as one ``.handteach`` file, as Teachable Machine saves and opens projects.

``export_project(store, name, path)`` writes it, ``import_project(store, path, as_name, replace)`` checks
everything in it and stores it whole or not at all. The layout and its limits: ``bundle_format``;
writing: ``bundle_write``; reading and checking: ``bundle_read`` and ``bundle_manifest``; storing:
``bundle_import``.
"""

from core.data.bundles.bundle_format import (
    BUNDLE_LIMITS,
    FORMAT_NAME,
    FORMAT_VERSION,
    SUFFIX,
    BundleError,
    BundleLimits,
    ProjectExistsError,
    bundle_name,
)
from core.data.bundles.bundle_import import ImportReport, import_project
from core.data.bundles.bundle_write import ExportReport, export_project

__all__ = ["BUNDLE_LIMITS", "FORMAT_NAME", "FORMAT_VERSION", "SUFFIX", "BundleError", "BundleLimits", "ExportReport",
           "ImportReport", "ProjectExistsError", "bundle_name", "export_project", "import_project"]  # fmt: skip
