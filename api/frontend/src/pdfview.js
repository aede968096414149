// The document page's PDF reader: pdf.js renders the file the page names (figure.pdfview
// data-src, the app's cookie-authenticated download route) one page at a time into a canvas with
// its text layer, with page navigation and zoom; it fits the width of its box (a phone's too).
// Without this script the page keeps its download link. Labels come from the page (data-label-*),
// in the page's language. Several PDFs: the switcher's links load another file in place.
import { GlobalWorkerOptions, getDocument, TextLayer } from "pdfjs-dist";

GlobalWorkerOptions.workerSrc = "/static/build/pdf.worker.min.mjs";

const DATA = "/static/build/pdfjs/";
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

function button(label, text, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.setAttribute("aria-label", label);
  b.title = label;
  b.textContent = text;
  b.addEventListener("click", action);
  return b;
}

class Reader {
  constructor(figure) {
    this.figure = figure;
    this.labels = figure.dataset;
    this.pdf = null;
    this.pageNumber = 1;
    this.zoom = null; // null: fit the width
    this.rendering = null;
    this.build();
  }

  build() {
    const l = this.labels;
    this.bar = document.createElement("div");
    this.bar.className = "pdf-toolbar";
    this.bar.setAttribute("role", "toolbar");
    this.bar.setAttribute("aria-label", l.labelView);
    this.prev = button(l.labelPrev, "‹", () => this.go(this.pageNumber - 1));
    this.next = button(l.labelNext, "›", () => this.go(this.pageNumber + 1));
    const where = document.createElement("label");
    where.className = "pdf-page";
    this.pageInput = document.createElement("input");
    this.pageInput.type = "number";
    this.pageInput.min = "1";
    this.pageInput.inputMode = "numeric";
    this.pageInput.addEventListener("change", () => this.go(parseInt(this.pageInput.value, 10) || 1));
    this.count = document.createElement("span");
    where.append(`${l.labelPage} `, this.pageInput, " ", this.count);
    this.zoomOut = button(l.labelZoomOut, "−", () => this.step(-1));
    this.zoomIn = button(l.labelZoomIn, "+", () => this.step(1));
    this.fit = button(l.labelFit, "↔", () => { this.zoom = null; this.render(); });
    this.bar.append(this.prev, where, this.next, this.zoomOut, this.fit, this.zoomIn);

    this.status = document.createElement("p");
    this.status.className = "muted pdf-status";
    this.status.setAttribute("role", "status");
    this.viewport = document.createElement("div");
    this.viewport.className = "pdf-viewport";
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute("role", "region");
    this.viewport.setAttribute("aria-label", l.labelView);
    this.pageBox = document.createElement("div");
    this.pageBox.className = "pdf-page-box";
    this.viewport.append(this.pageBox);
    this.figure.querySelector("figcaption").after(this.bar, this.status, this.viewport);

    let width = this.viewport.clientWidth;
    new ResizeObserver(() => {
      if (this.viewport.clientWidth !== width && this.zoom === null) {
        width = this.viewport.clientWidth;
        this.render();
      }
    }).observe(this.viewport);
  }

  async open(src, name) {
    this.status.textContent = this.labels.labelLoading;
    this.figure.dataset.state = "loading";
    if (name) this.figure.querySelector(".pdf-name").textContent = name;
    this.figure.querySelector("a.download").href = src;
    try {
      if (this.pdf) await this.pdf.destroy();
      // No eval and no WebAssembly (the CSP allows neither): pdf.js's JavaScript decoders, and
      // its data (build.mjs copies it) for the PDFs that need it.
      this.pdf = await getDocument({
        url: src, withCredentials: true, isEvalSupported: false, useWasm: false,
        wasmUrl: `${DATA}wasm/`, cMapUrl: `${DATA}cmaps/`, cMapPacked: true, standardFontDataUrl: `${DATA}standard_fonts/`,
      }).promise;
    } catch (error) {
      this.fail(error);
      return;
    }
    this.pageNumber = 1;
    this.count.textContent = `${this.labels.labelOf} ${this.pdf.numPages}`;
    this.pageInput.max = String(this.pdf.numPages);
    await this.render();
  }

  fail(error) {
    console.error("pdf.js:", error);
    this.figure.dataset.state = "failed";
    this.status.textContent = this.labels.labelFailed;
  }

  go(number) {
    if (!this.pdf) return;
    this.pageNumber = Math.min(Math.max(1, number), this.pdf.numPages);
    this.render();
  }

  step(direction) {
    const current = this.zoom ?? this.fitted ?? 1;
    const next = direction > 0 ? ZOOMS.find((z) => z > current + 0.01) : [...ZOOMS].reverse().find((z) => z < current - 0.01);
    if (next) {
      this.zoom = next;
      this.render();
    }
  }

  async render() {
    if (!this.pdf) return;
    const ticket = {};
    this.rendering = ticket;
    try {
      const page = await this.pdf.getPage(this.pageNumber);
      const natural = page.getViewport({ scale: 1 });
      const room = Math.max(200, this.viewport.clientWidth - 2);
      this.fitted = room / natural.width;
      const scale = this.zoom ?? this.fitted;
      const viewport = page.getViewport({ scale });
      const ratio = window.devicePixelRatio || 1;

      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.style.width = `${Math.floor(viewport.width)}px`;
      canvas.style.height = `${Math.floor(viewport.height)}px`;
      canvas.setAttribute("aria-hidden", "true");
      await page.render({
        canvas, canvasContext: canvas.getContext("2d"), viewport,
        transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
      }).promise;
      if (this.rendering !== ticket) return; // a newer render won

      const text = document.createElement("div");
      text.className = "textLayer";
      const box = document.createElement("div");
      box.className = "pdf-page-box";
      box.style.setProperty("--scale-factor", String(scale));
      box.style.setProperty("--total-scale-factor", String(scale));
      box.style.width = `${Math.floor(viewport.width)}px`;
      box.style.height = `${Math.floor(viewport.height)}px`;
      box.append(canvas, text);
      await new TextLayer({ textContentSource: page.streamTextContent(), container: text, viewport }).render();
      if (this.rendering !== ticket) return;

      this.pageBox.replaceWith(box);
      this.pageBox = box;
      this.pageInput.value = String(this.pageNumber);
      this.prev.disabled = this.pageNumber <= 1;
      this.next.disabled = this.pageNumber >= this.pdf.numPages;
      this.status.textContent = "";
      this.figure.dataset.state = "rendered";
      this.figure.dataset.page = String(this.pageNumber);
    } catch (error) {
      if (this.rendering === ticket) this.fail(error);
    }
  }
}

function switcher(reader) {
  const links = document.querySelectorAll(".file-switcher a[data-src]");
  for (const link of links) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      for (const other of links) other.removeAttribute("aria-current");
      link.setAttribute("aria-current", "true");
      for (const check of document.querySelectorAll(".signatures .check")) {
        check.classList.toggle("chosen", check.dataset.file === link.dataset.file);
      }
      history.replaceState(null, "", link.href);
      reader.open(link.dataset.src, link.textContent);
    });
  }
}

const figure = document.querySelector("figure.pdfview[data-src]");
if (figure) {
  const reader = new Reader(figure);
  switcher(reader);
  reader.open(figure.dataset.src);
}
