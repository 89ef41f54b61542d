// A search box above a long multiple select (`<select multiple data-filter="…">`): typing
// hides the options that do not match; chosen ones always stay visible. Without
// JavaScript the plain select still works.
document.querySelectorAll("select[data-filter]").forEach((select) => {
  const box = document.createElement("input");
  box.type = "search";
  box.placeholder = select.dataset.filter;
  box.setAttribute("aria-label", select.dataset.filter);
  box.className = "select-filter";
  box.addEventListener("input", () => {
    const words = box.value.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
    for (const option of select.options) {
      const text = option.text.toLocaleLowerCase();
      option.hidden = !option.selected && !words.every((w) => text.includes(w));
    }
  });
  select.before(box);
});
