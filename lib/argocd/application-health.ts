/**
 * Argo CD health check for `argoproj.io/Application` (argocd-cm
 * `resource.customizations.health.argoproj.io_Application`). Argo CD removed the built-in one in 1.8,
 * so without it the root Application does not wait for a wave of child Applications before the next.
 *
 * This is stricter than the check in Argo CD's documentation: a child is Healthy only when it is both
 * Healthy and Synced and none of its resources is Missing. Since Argo CD 3.4 a child with a missing
 * resource can report Healthy, and the documented check then lets the next wave start too early.
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  local health = obj.status.health.status
  local sync = ""
  if obj.status.sync ~= nil and obj.status.sync.status ~= nil then
    sync = obj.status.sync.status
  end
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
  if health == "Degraded" or health == "Suspended" then
    hs.status = health
    return hs
  end
  if obj.status.resources ~= nil then
    for i, r in ipairs(obj.status.resources) do
      if r.health ~= nil and r.health.status == "Missing" then
        hs.message = "waiting for " .. r.kind .. " " .. r.name
        return hs
      end
    end
  end
  if health == "Healthy" and sync == "Synced" then
    hs.status = "Healthy"
  end
end
return hs
`;
