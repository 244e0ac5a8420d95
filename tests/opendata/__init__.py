"""The open-data package is built by a job after a change (directory/jobs/staff.py); tests that change records
and download it at once remove the built file, so that the download builds it anew from what the test wrote."""


def download_fresh(client, **kwargs):
    from directory.opendata.services import package_path

    package_path().unlink(missing_ok=True)
    return client.get("/opendata/hsds.zip", **kwargs)
