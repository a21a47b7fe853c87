"""Reference architecture pages generated from each pattern's template and folder
(``python samplecli.py docs``): the resource graph drawn as SVG (Graphviz) and Mermaid, resources,
triggers, permissions, flow, failure handling, limits and the latest compare figures."""
