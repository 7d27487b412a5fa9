// Starts GraphiQL on the playground page. A file of its own, not an inline
// script, so that the page's Content-Security-Policy can allow scripts from
// this server only. What the server fills in (the example tabs and the
// headers template) comes as a JSON data block, which never runs.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('playground-config').textContent);

  // The page is served by the GraphQL endpoint itself, so it works behind
  // a proxy that mounts hubgraph under a path; subscriptions live at /ws below it.
  const endpoint = new URL(window.location.pathname.replace(/\/+$/, ''), window.location.origin);
  const socket = new URL(endpoint.pathname + '/ws', endpoint);
  socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  // The headers template shows where a token goes. Until a real token
  // replaces the placeholder, that header is left out, so the examples
  // run anonymously instead of being refused as a bad token.
  const withoutPlaceholders = (headers) => {
    if (!headers || typeof headers !== 'object') return headers;
    const kept = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!(typeof value === 'string' && value.includes(config.placeholder))) kept[name] = value;
    }
    return kept;
  };
  const fetchOrSubscribe = GraphiQL.createFetcher({
    url: endpoint.toString(),
    subscriptionUrl: socket.toString(),
  });
  // HTTP headers, and the WebSocket's connection_init payload, both come from here.
  const fetcher = (params, options) =>
    fetchOrSubscribe(params, { ...options, headers: withoutPlaceholders(options && options.headers) });

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: config.defaultQuery,
      defaultHeaders: config.headers,
      defaultTabs: config.tabs,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
