"""Footage requests: an agency member files a scoped request (area, window, case), the
server checks the operator's policy, logs `request_filed` in the same transaction, and
tells the hubs and owners of homes in the area; the agency sees only aggregates."""
