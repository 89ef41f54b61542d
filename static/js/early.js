/* Before the first paint (a blocking script in <head>, kept this small): with JavaScript the
   phone's menu is folded behind its button from the start, instead of showing and then
   folding when kam.js runs, which shifted the whole page (Lighthouse CLS 0.2-0.46). */
document.documentElement.classList.add("js");
