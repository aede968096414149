// The JSON API's reference at /docs: Swagger UI from the npm package (swagger-ui-dist), started
// on the app's own /openapi.json. Nothing is fetched from elsewhere (the CSP would refuse it).
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";

const target = document.getElementById("swagger-ui");
if (target) {
  SwaggerUIBundle({
    url: target.dataset.spec,
    domNode: target,
    deepLinking: false, // its links sit inside the operation buttons (nested controls, axe)
    validatorUrl: null, // the default badge asks validator.swagger.io about the spec
    presets: [SwaggerUIBundle.presets.apis],
  });
}
