## JSON API
error-unsupported-media-type = 请以 JSON 格式发送请求内容（Content-Type: application/json）。
err-unknown-field = 此处没有这个字段，请检查拼写。
