-- wrk counts only "non-2xx or 3xx"; this counts every status, over several result pages.
local threads = {}
local paths = {
  "/recommend/?framework=django",
  "/recommend/?framework=fastapi&async=yes",
  "/recommend.json?framework=flask&deploy=docker",
  "/servers/",
}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[counter % #paths + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d %d\n", status, count))
  end
end
