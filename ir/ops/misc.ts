// Op family: misc. See ir/op-def.ts for the schema.
import { defineOps } from '../op-def.js';

defineOps();
