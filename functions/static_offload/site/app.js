// The single-page app: the products come from the API (/api/products, behind the same domain).
(function () {
  "use strict";
  var list = document.getElementById("products");
  var status = document.getElementById("status");

  function show(products) {
    list.innerHTML = "";
    products.forEach(function (product) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      var price = document.createElement("span");
      name.textContent = product.name;
      price.textContent = "$" + (product.priceCents / 100).toFixed(2);
      price.className = "price";
      item.appendChild(name);
      item.appendChild(price);
      list.appendChild(item);
    });
    status.textContent = products.length + " products";
    document.body.dataset.products = String(products.length);
    document.body.dataset.first = products.length ? products[0].name : "";
    document.body.dataset.state = "ready";
  }

  fetch("api/products", { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("the API answered " + response.status); }
      return response.json();
    })
    .then(function (body) { show(body.products); })
    .catch(function (error) {
      status.textContent = "Could not load the products: " + error.message;
      document.body.dataset.state = "error";
    });
}());
