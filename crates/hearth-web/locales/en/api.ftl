## JSON API
error-unsupported-media-type = Send the request body as JSON (Content-Type: application/json).
err-unknown-field = This field is not known here. Check its spelling.
