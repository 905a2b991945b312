// Every production domain's commands, events, states and pushes, for tests that drive the whole
// server (a test about one domain includes that domain's headers only).
#pragma once

#include "core/dms/commands.hpp"
#include "core/dms/errors.hpp"
#include "core/lifecycle.hpp"
#include "core/rooms/commands.hpp"
#include "core/rooms/errors.hpp"
#include "core/session/commands.hpp"
#include "core/stranger/commands.hpp"
#include "core/stranger/errors.hpp"
#include "events/catalog.hpp"
#include "events/dms/events.hpp"
#include "events/rooms/events.hpp"
#include "events/session/events.hpp"
#include "events/stranger/events.hpp"
#include "projections/dms/state.hpp"
#include "projections/domain.hpp"
#include "projections/rooms/state.hpp"
#include "projections/session/state.hpp"
#include "projections/stranger/state.hpp"
