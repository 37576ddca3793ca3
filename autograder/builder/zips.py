"""Byte-reproducible zip files: sorted entries, fixed timestamps and permissions."""

import zipfile

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLES = {"setup.sh", "run_autograder"}


def write_zip(path, files):
    """Write {archive name: bytes or str} to path; the bundle's scripts are executable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            data = files[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permission bits below are honoured
            mode = 0o755 if name.rsplit("/", 1)[-1] in EXECUTABLES else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data.encode() if isinstance(data, str) else data)


def folder_files(folder, prefix):
    """{prefix/relative path: bytes} for every file below folder."""
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
