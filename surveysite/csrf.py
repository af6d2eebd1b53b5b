"""Django's CSRF protection, made to work with `Referrer-Policy: no-referrer`.

Under no-referrer, browsers send `Origin: null` with every form POST, even to the same site,
and no Referer. Django refuses `Origin: null`, and on HTTPS it insists on a Referer. This
middleware, placed just before Django's CsrfViewMiddleware, restores the request's own origin
only when the browser itself vouches, through `Sec-Fetch-Site: same-origin`, that the request
comes from our own pages: web content cannot set that header, and a cross-site form gets
`cross-site` there. Django's middleware then checks the origin and the token as always.
"""


class NullOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if meta.get("HTTP_ORIGIN") == "null" and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)
