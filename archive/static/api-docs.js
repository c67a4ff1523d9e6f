// The API page: Swagger UI over the archive's own OpenAPI document.
(function () {
  "use strict";

  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
})();
