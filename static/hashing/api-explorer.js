// The partner API explorer: Swagger UI (vendored) on the portal's own schema. No request leaves the portal:
// the validator badge (validator.swagger.io) is off and the schema URL is the page's own.
(() => {
  const root = document.getElementById("api-explorer");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  // Kept on window so the browser test can read the configuration it runs with.
  window.helplineApiExplorer = window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    validatorUrl: null,
    deepLinking: false,
    displayOperationId: false,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    persistAuthorization: false,
    withCredentials: false,
  });
})();
