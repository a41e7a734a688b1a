// The IR grammar, embedded so that the compiled library (dist/) needs no .ohm file at run time.
// GENERATED from ir/grammar.ohm: edit that file, then run
// `BLESS=1 npx vitest run test/ir/grammar.test.ts` to rewrite this copy (the test fails while they differ).

import * as ohm from 'ohm-js';

export const GRAMMAR_SOURCE = String.raw`// The text form of tenth IR. ir/printer.ts prints exactly this language and ir/parser.ts reads
// it; parse(print(m)) prints identically. Syntactic rules (Capitalised) skip spaces and '//'
// comments between tokens; lexical rules (lower case) do not.
// ir/grammar.ts embeds a copy of this file (so the compiled library needs no .ohm file at run
// time); test/ir/grammar.test.ts checks that the two agree (BLESS=1 rewrites the copy).
TenthIR {
  Module = kw<"module"> symbolRef MetaDict? "{" ModuleItem* "}" end
  MetaDict = kw<"attributes"> "{" ListOf<MetaEntry, ","> "}"
  MetaEntry = key "=" string
  ModuleItem = Weight | Func

  Weight = kw<"weight"> symbolRef ":" Type "=" WeightSource
  WeightSource = FileSource | BytesSource
  FileSource = kw<"file"> "(" string "," kw<"offset"> "=" uint "," kw<"length"> "=" uint ")"
  BytesSource = kw<"bytes"> "(" string ")"

  Func = kw<"func"> symbolRef "(" ListOf<ArgDecl, ","> ")" "->" "(" ListOf<ResultDecl, ","> ")" Block
  ArgDecl = valueRef ":" Type
  ResultDecl = valueRef (":" Type)?
  Block = "{" Stmt* "}"

  // An op: '%a, %b = name(%x, none) {attrs} : (types) loc(...) {region} {region}'; the
  // parentheses are left out when there are no operands ('%c = const {value = @w} : f32[4]').
  // Terminators that end their region print as 'return %a, %b' / 'yield %a'.
  Stmt = Terminator | OpStmt
  OpStmt = Results? opName Operands? AttrDict? TypeSig? Loc? Region*
  Results = NonemptyListOf<valueRef, ","> "="
  Operands = "(" ListOf<Operand, ","> ")"
  Terminator = terminatorKw ~"(" ListOf<Operand, ","> Loc?
  Operand = valueRef  -- value
          | kw<"none">  -- none
  TypeSig = ":" "(" ListOf<Type, ","> ")"  -- many
          | ":" Type  -- one
  Loc = kw<"loc"> "(" string ":" string ")"
  Region = "{" BlockArgs? Stmt* "}"
  BlockArgs = "^" "(" ListOf<ArgDecl, ","> ")" ":"

  // Never empty, so that '{ }' after an op is an (empty) region, not an attribute dictionary.
  AttrDict = "{" NonemptyListOf<AttrEntry, ","> "}"
  AttrEntry = key "=" AttrValue
  AttrValue = Dense  -- tensor
            | symbolRef  -- weight
            | float  -- float
            | int  -- int
            | string  -- string
            | "[" "]" ":" listKind  -- emptyTyped
            | "[" "]"  -- empty
            | "[" NonemptyListOf<float, ","> "]"  -- floats
            | "[" NonemptyListOf<int, ","> "]"  -- ints
            | "[" NonemptyListOf<string, ","> "]"  -- strings
            | ident  -- dtype
  listKind = kw<"ints"> | kw<"floats"> | kw<"strings">
  // 'dense<[1, 2]> : i64[2]', a splat 'dense<0> : f32[3,3]', or packed bytes 'dense<"0x..."> : f32[64]'.
  Dense = kw<"dense"> "<" DenseBody ">" ":" Type
  DenseBody = "[" ListOf<element, ","> "]"  -- list
            | element  -- splat
  element = float | int | string | kw<"true"> | kw<"false">

  Type = ident "[" Dims "]"
  Dims = "*"  -- unranked
       | ListOf<Dim, ",">  -- ranked
  Dim = uint | "?" | ident | string

  // Lexical rules.
  valueRef (a value such as %x) = "%" name
  symbolRef (a symbol such as @w) = "@" name
  name = bareName | string
  bareName = nameStart nameChar*
  // Character ranges rather than alnum: fewer rule applications, noticeably faster matching.
  nameStart = "a".."z" | "A".."Z" | "0".."9" | "_"
  nameChar = "a".."z" | "A".."Z" | "0".."9" | "_" | "." | "$" | "-"
  key (a name) = bareName | string
  ident (an identifier) = (letter | "_") (alnum | "_")*
  opName (an op name) = opIdent | string
  opIdent = letter (alnum | "_" | ".")*
  terminatorKw = kw<"return"> | kw<"yield">
  kw<word> = word ~nameChar
  uint (an integer) = digit+
  int (an integer) = "-"? digit+
  float (a float) = "-"? digit+ "." digit+ exponent?  -- decimal
        | "-"? digit+ exponent  -- exponent
        | "-"? kw<"inf">  -- inf
        | kw<"nan">  -- nan
  exponent = ("e" | "E") ("+" | "-")? digit+
  string (a string) = "\"" strChar* "\""
  strChar = "\\" any  -- escape
          | ~("\"" | "\\" | "\n") any  -- plain
  space := "\x00".." " | comment
  comment = "//" (~"\n" any)*
}
`;

export const grammar: ohm.Grammar = ohm.grammar(GRAMMAR_SOURCE);
